import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { TableHead, useSession } from '../ui.tsx';
import { TimeChart } from './chart.tsx';
import { LiveLog, MAX_REQUESTS, WINDOW_SECONDS } from './live-log.ts';
import { openStream, type RequestEvent, type StreamStatus } from './stream.ts';

/** Operations drawn one by one in the requests chart; the others are summed as "other". */
const CHARTED_OPERATIONS = 6;
/** Rows of the log table: the newest that pass the filters. */
const SHOWN_ROWS = 300;

function time(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** `arn:aws:iam::111122223333:root` → `111122223333:root`: the account and the principal, shorter. */
function shortCaller(arn: string): string {
  const parts = arn.split(':');
  return parts.length >= 6 ? `${parts[4]}:${parts.slice(5).join(':')}` : arn;
}

function seconds(log: LiveLog): number[] {
  const end = log.latestSecond;
  return Array.from({ length: WINDOW_SECONDS }, (_, i) => end - WINDOW_SECONDS + 1 + i);
}

function Status({ status, retry }: { status: StreamStatus; retry(): void }) {
  switch (status.state) {
    case 'live':
      return <span class="live-dot">Live</span>;
    case 'connecting':
      return <span>Connecting…</span>;
    case 'reconnecting':
      return <span>Reconnecting ({status.reason})…</span>;
    case 'refused':
      return (
        <span class="error" role="alert">
          The stream was refused: {status.message}{' '}
          <button type="button" onClick={retry}>
            Retry
          </button>
        </span>
      );
  }
}

/**
 * Live traffic: the server's request stream (signed like a KMS call) as a filterable log of the newest requests
 * and charts of the last five minutes, drawn from the per-second stats (exact even when request events are
 * dropped).
 */
export function Live() {
  const { credentials } = useSession();
  const log = useRef(new LiveLog()).current;
  const [version, setVersion] = useState(0);
  const [status, setStatus] = useState<StreamStatus>({ state: 'connecting' });
  const [attempt, setAttempt] = useState(0);
  const [paused, setPaused] = useState(false);
  const [operation, setOperation] = useState('');
  const [errorsOnly, setErrorsOnly] = useState(false);
  const [caller, setCaller] = useState('');
  const [key, setKey] = useState('');
  const [latencyOperation, setLatencyOperation] = useState('');

  useEffect(() => {
    // The stream flushes up to four times a second; the view redraws at most once per frame.
    let frame = 0;
    return openStream(
      credentials,
      (events) => {
        log.add(events);
        if (frame === 0)
          frame = requestAnimationFrame(() => {
            frame = 0;
            setVersion(log.version);
          });
      },
      setStatus,
    );
  }, [credentials, attempt]);

  // Frozen while paused, so that a row can be read; the log keeps filling meanwhile.
  const [shownVersion, setShownVersion] = useState(0);
  useEffect(() => {
    if (!paused) setShownVersion(version);
  }, [paused, version]);

  const rows = useMemo(() => {
    const callerNeedle = caller.trim().toLowerCase();
    const keyNeedle = key.trim().toLowerCase();
    const matches = (event: RequestEvent) =>
      (operation === '' || event.operation === operation) &&
      (!errorsOnly || event.status >= 400) &&
      (callerNeedle === '' ||
        event.caller.toLowerCase().includes(callerNeedle) ||
        event.accessKeyId.toLowerCase().includes(callerNeedle)) &&
      (keyNeedle === '' || (event.keyId ?? '').toLowerCase().includes(keyNeedle));
    const shown: RequestEvent[] = [];
    for (let i = log.requests.length - 1; i >= 0 && shown.length < SHOWN_ROWS; i--) {
      const event = log.requests[i] as RequestEvent;
      if (matches(event)) shown.push(event);
    }
    return shown;
  }, [log, shownVersion, operation, errorsOnly, caller, key]);

  const requestOperations = useMemo(
    () => [...new Set(log.requests.map((event) => event.operation))].sort(),
    [log, shownVersion],
  );

  // Charts change once a second, with the stats.
  const operations = useMemo(() => log.operations(), [log, log.latestSecond]);
  const charted = operations.slice(0, CHARTED_OPERATIONS).map((entry) => entry.operation);
  const others = operations.length > CHARTED_OPERATIONS;
  const requestsData = useMemo((): uPlot.AlignedData => {
    const xs = seconds(log);
    const lines = charted.map((name) => xs.map((second) => log.stats.get(second)?.[name]?.count ?? 0));
    if (others) {
      lines.push(
        xs.map((second) =>
          Object.entries(log.stats.get(second) ?? {})
            .filter(([name]) => !charted.includes(name))
            .reduce((sum, [, stats]) => sum + stats.count, 0),
        ),
      );
    }
    return [xs, ...lines];
  }, [log, log.latestSecond, charted.join()]);

  const latencyOf = latencyOperation || operations[0]?.operation || '';
  const latencyData = useMemo((): uPlot.AlignedData => {
    const xs = seconds(log);
    const at = (second: number) => log.stats.get(second)?.[latencyOf];
    return [xs, xs.map((second) => at(second)?.p50 ?? null), xs.map((second) => at(second)?.p99 ?? null)];
  }, [log, log.latestSecond, latencyOf]);

  return (
    <section aria-labelledby="live-title">
      <div class="toolbar">
        <h1 tabIndex={-1} id="live-title">
          Live traffic
        </h1>
        <p class="status" aria-live="polite">
          <Status status={status} retry={() => setAttempt((n) => n + 1)} />
        </p>
      </div>
      {log.dropped > 0 && (
        <p class="warning">
          {log.dropped.toLocaleString()} request events were left out of the log by the server (more than it
          sends per batch); the charts count every request.
        </p>
      )}
      <div class="charts">
        {log.latestSecond === 0 ? (
          <p class="status">Waiting for the first second of stats…</p>
        ) : (
          <>
            <div>
              <TimeChart
                title="Requests per second"
                unit="requests/s"
                series={[...charted, ...(others ? ['other'] : [])].map((label) => ({ label }))}
                data={requestsData}
              />
            </div>
            <div>
              <label class="chart-select">
                Latency of
                <select
                  value={latencyOf}
                  onChange={(event) => setLatencyOperation(event.currentTarget.value)}
                >
                  {operations.map((entry) => (
                    <option key={entry.operation} value={entry.operation}>
                      {entry.operation}
                    </option>
                  ))}
                </select>
              </label>
              <TimeChart
                title={`${latencyOf || 'Latency'}: p50 and p99`}
                unit="ms"
                series={[
                  { label: 'p50', points: true },
                  { label: 'p99', dash: [6, 4], points: true },
                ]}
                data={latencyData}
              />
            </div>
          </>
        )}
      </div>
      <h2>Requests</h2>
      <div class="filters">
        <label>
          Operation
          <select value={operation} onChange={(event) => setOperation(event.currentTarget.value)}>
            <option value="">All operations</option>
            {requestOperations.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label class="inline">
          <input
            type="checkbox"
            checked={errorsOnly}
            onChange={(event) => setErrorsOnly(event.currentTarget.checked)}
          />
          Errors only
        </label>
        <label>
          Caller
          <input
            type="search"
            value={caller}
            placeholder="ARN or access key ID"
            onInput={(event) => setCaller(event.currentTarget.value)}
          />
        </label>
        <label>
          Key
          <input
            type="search"
            value={key}
            placeholder="key ID, ARN or alias"
            onInput={(event) => setKey(event.currentTarget.value)}
          />
        </label>
        <button type="button" aria-pressed={paused} onClick={() => setPaused(!paused)}>
          {paused ? 'Resume' : 'Pause'}
        </button>
      </div>
      <p class="hint">
        The newest {SHOWN_ROWS} matching requests of the last {MAX_REQUESTS.toLocaleString()} received, newest
        first.
      </p>
      <div class="table-wrap">
        <table class="requests">
          <TableHead
            columns={['Time', 'Caller', 'Operation', 'Key', 'Status', 'Error type', 'Latency (ms)']}
            numeric={['Latency (ms)']}
          />
          <tbody>
            {rows.map((event) => (
              <tr key={event.requestId} class={event.status >= 400 ? 'failed' : undefined}>
                <td class="mono nowrap">{time(event.time)}</td>
                <td class="mono" title={`${event.caller} (${event.accessKeyId})`}>
                  {shortCaller(event.caller)}
                </td>
                <td>{event.operation}</td>
                <td class="mono">{event.keyId ?? '—'}</td>
                <td>{event.status}</td>
                <td>{event.errorType ?? ''}</td>
                <td class="number">{event.ms.toFixed(2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.length === 0 && (
        <p class="status">No requests yet{operation || errorsOnly || caller || key ? ' that match' : ''}.</p>
      )}
    </section>
  );
}
