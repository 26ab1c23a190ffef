import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';

/** Line colours that read on the light and the dark background alike. */
const PALETTE = ['#2f7ed8', '#e8743b', '#19a979', '#c94a8b', '#8c6bd6', '#c9a100', '#13a4b4', '#888888'];

export interface ChartSeries {
  label: string;
  dash?: number[];
  /** Dots at each value: for series with gaps (a latency exists only in seconds with requests). */
  points?: boolean;
}

const clock = uPlot.fmtDate('{HH}:{mm}:{ss}');

/** The page's text and grid colours, from the CSS custom properties of the current colour scheme. */
function themeColours(): { text: string; grid: string } {
  const style = getComputedStyle(document.documentElement);
  return {
    text: style.getPropertyValue('--fg').trim() || '#222',
    grid: style.getPropertyValue('--grid').trim() || '#ddd',
  };
}

/** Follows the colour scheme, so that a chart is redrawn in the other one's colours when it changes. */
function useColourScheme(): string {
  const query = '(prefers-color-scheme: dark)';
  const [scheme, setScheme] = useState(() => (matchMedia(query).matches ? 'dark' : 'light'));
  useEffect(() => {
    const media = matchMedia(query);
    const changed = () => setScheme(media.matches ? 'dark' : 'light');
    media.addEventListener('change', changed);
    return () => media.removeEventListener('change', changed);
  }, []);
  return scheme;
}

/**
 * A uPlot time chart: x in epoch seconds, one line per series (null is a gap). Built again when the series or the
 * colour scheme change; otherwise new data only redraws it. Its width follows its container.
 */
export function TimeChart({
  title,
  unit,
  series,
  data,
}: {
  title: string;
  unit: string;
  series: ChartSeries[];
  data: uPlot.AlignedData;
}) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | undefined>(undefined);
  const scheme = useColourScheme();
  const labels = series.map((s) => s.label).join('\n');

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const { text, grid } = themeColours();
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const plot = new uPlot(
      {
        title,
        width: Math.max(300, element.clientWidth),
        height: 220,
        scales: { x: { time: true } },
        // Clock times on one line: the window is five minutes of today.
        axes: [
          {
            ...axis,
            space: 90,
            values: (_, splits) => splits.map((second) => clock(new Date(second * 1000))),
          },
          { ...axis, label: unit, size: 50 },
        ],
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: PALETTE[i % PALETTE.length],
            width: 1.5,
            ...(s.dash ? { dash: s.dash } : {}),
            points: { show: s.points ?? false, size: 5 },
          })),
        ],
        legend: { live: true },
      },
      data,
      element,
    );
    chart.current = plot;
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(300, element.clientWidth), height: 220 }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
      chart.current = undefined;
    };
  }, [labels, scheme, title, unit]);

  useEffect(() => {
    chart.current?.setData(data);
  }, [data]);

  return <div class="chart" ref={container} />;
}
