import { useEffect, useMemo, useState } from 'preact/hooks';
import type { KeyMetadata } from '../../protocol/index.ts';
import { ErrorMessage, formatDate, TableHead } from '../ui.tsx';
import { type KeyIndex, matcher } from './key-index.ts';

const PAGE_SIZES = [25, 50, 100];
const COLUMNS = [
  'Key ID',
  'Aliases',
  'Description',
  'Key spec',
  'Usage',
  'State',
  'Origin',
  'Multi-Region',
  'Created',
];

/** Re-renders when the index changes, at most once per frame (a 100,000-key load changes it 200 times). */
export function useIndex(index: KeyIndex): number {
  const [version, setVersion] = useState(index.version);
  useEffect(() => {
    let frame = 0;
    const unsubscribe = index.subscribe(() => {
      if (frame === 0)
        frame = requestAnimationFrame(() => {
          frame = 0;
          setVersion(index.version);
        });
    });
    return () => {
      unsubscribe();
      cancelAnimationFrame(frame);
    };
  }, [index]);
  return version;
}

function Row({ index, keyId, aliases }: { index: KeyIndex; keyId: string; aliases: string[] }) {
  const described = index.metadata(keyId);
  const metadata = described && !('error' in described) ? (described as KeyMetadata) : undefined;
  return (
    <tr>
      <td class="mono nowrap">
        <a href={`#/keys/${encodeURIComponent(keyId)}`}>{keyId}</a>
      </td>
      <td>{aliases.join(', ')}</td>
      {described && 'error' in described ? (
        <td colSpan={7}>
          <ErrorMessage error={described.error} />
        </td>
      ) : (
        <>
          <td class="description">{metadata ? metadata.Description || '—' : '…'}</td>
          <td>{metadata?.KeySpec ?? '…'}</td>
          <td>{metadata?.KeyUsage ?? '…'}</td>
          <td>
            {metadata?.KeyState ? (
              <span class={`state state-${metadata.KeyState}`}>{metadata.KeyState}</span>
            ) : (
              '…'
            )}
          </td>
          <td>{metadata?.Origin ?? '…'}</td>
          <td>{metadata ? (metadata.MultiRegion ? 'yes' : 'no') : '…'}</td>
          <td>{metadata ? formatDate(metadata.CreationDate) : '…'}</td>
        </>
      )}
    </tr>
  );
}

/**
 * Every key of the account and region: IDs and aliases come from ListKeys and ListAliases (100 requests for
 * 100,000 keys, shown as they arrive); the other columns from DescribeKey for the rows of the page only.
 */
export function KeyList({ index }: { index: KeyIndex }) {
  const version = useIndex(index);
  const [query, setQuery] = useState('');
  // ListKeys' order (oldest first in kmslab) by default: the first pages stay put while later ones load.
  const [newestFirst, setNewestFirst] = useState(false);
  const [pageSize, setPageSize] = useState(50);
  const [page, setPage] = useState(0);

  const matching = useMemo(() => {
    const matches = index.keys.filter(matcher(query));
    return newestFirst ? matches.reverse() : matches;
  }, [index, index.listVersion, query, newestFirst]);
  const pages = Math.max(1, Math.ceil(matching.length / pageSize));
  const shownPage = Math.min(page, pages - 1);
  const shown = matching.slice(shownPage * pageSize, (shownPage + 1) * pageSize);
  const shownIds = shown.map((entry) => entry.keyId).join(',');

  useEffect(() => index.describe(shown.map((entry) => entry.keyId)), [index, shownIds, version]);

  const first = matching.length === 0 ? 0 : shownPage * pageSize + 1;
  return (
    <section aria-labelledby="keys-title">
      <div class="toolbar">
        <h1 tabIndex={-1} id="keys-title">
          Keys
        </h1>
        <a class="button primary" href="#/create-key">
          Create key
        </a>
        <button type="button" onClick={() => index.load()} disabled={index.loading}>
          Reload
        </button>
      </div>
      <div class="filters">
        <label>
          Search
          <input
            type="search"
            value={query}
            placeholder="key ID, key ARN, alias name or alias ARN"
            aria-describedby="search-scope"
            onInput={(event) => {
              setQuery(event.currentTarget.value);
              setPage(0);
            }}
          />
        </label>
        <label>
          Order
          <select
            value={newestFirst ? 'newest' : 'listed'}
            onChange={(event) => setNewestFirst(event.currentTarget.value === 'newest')}
          >
            <option value="listed">As listed (oldest first)</option>
            <option value="newest">Newest first</option>
          </select>
        </label>
        <label>
          Rows
          <select
            value={pageSize}
            onChange={(event) => {
              setPageSize(Number(event.currentTarget.value));
              setPage(0);
            }}
          >
            {PAGE_SIZES.map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p id="search-scope" class="hint">
        Search covers key IDs, key ARNs and alias names (what ListKeys and ListAliases list); descriptions and
        the other columns come from DescribeKey for the rows shown only.
      </p>
      {index.error !== undefined && <ErrorMessage error={index.error} />}
      <p class="status" aria-live="polite">
        {index.loading ? `Loading… ${index.keys.length.toLocaleString()} keys so far. ` : ''}
        {matching.length === 0
          ? query
            ? 'No key matches.'
            : index.loading
              ? ''
              : 'No keys yet.'
          : `${first.toLocaleString()}–${(first + shown.length - 1).toLocaleString()} of ${matching.length.toLocaleString()}${query ? ` matching (${index.keys.length.toLocaleString()} keys)` : ' keys'}`}
      </p>
      <div class="table-wrap">
        <table class="keys">
          <TableHead columns={COLUMNS} />
          <tbody>
            {shown.map((entry) => (
              <Row key={entry.keyId} index={index} keyId={entry.keyId} aliases={entry.aliases} />
            ))}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={shownPage === 0} onClick={() => setPage(shownPage - 1)}>
          Previous
        </button>
        <span>
          Page {shownPage + 1} of {pages.toLocaleString()}
        </span>
        <button type="button" disabled={shownPage >= pages - 1} onClick={() => setPage(shownPage + 1)}>
          Next
        </button>
      </nav>
    </section>
  );
}
