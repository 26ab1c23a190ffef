import { Errors } from './messages.ts';

export interface PageRequest {
  Limit?: number;
  Marker?: string;
}

export interface Page<T> {
  items: T[];
  /** The List* response members: NextMarker only when Truncated. */
  NextMarker?: string;
  Truncated: boolean;
}

export interface ListLimits {
  /** Names the list inside the marker, so one list's marker is refused by another. */
  list: string;
  defaultLimit: number;
  maxLimit: number;
}

interface MarkerContent {
  list: string;
  after: string;
}

function encodeMarker(content: MarkerContent): string {
  return Buffer.from(JSON.stringify(content), 'utf8').toString('base64url');
}

function decodeMarker(marker: string, list: string): string {
  let content: unknown;
  try {
    content = JSON.parse(Buffer.from(marker, 'base64url').toString('utf8'));
  } catch {
    throw Errors.invalidMarker();
  }
  const { list: markerList, after } = (content ?? {}) as Partial<MarkerContent>;
  if (markerList !== list || typeof after !== 'string') throw Errors.invalidMarker();
  return after;
}

/**
 * One page of a list that `fetch` reads in order: up to `count` items after the cursor of the last item of the
 * previous page. The marker carries that cursor, which only the list's owner understands (a sort key, a row
 * position): items created or deleted between pages neither repeat nor shift the next page.
 */
export function paginateQuery<T>(
  request: PageRequest,
  limits: ListLimits,
  fetch: (after: string | undefined, count: number) => readonly T[],
  cursorOf: (item: T) => string,
): Page<T> {
  const limit = Math.min(request.Limit ?? limits.defaultLimit, limits.maxLimit);
  const after = request.Marker === undefined ? undefined : decodeMarker(request.Marker, limits.list);
  // One more than the page shows whether another page follows.
  const fetched = fetch(after, limit + 1);
  const items = fetched.slice(0, limit);
  const last = items[items.length - 1];
  if (fetched.length <= limit || last === undefined) return { items, Truncated: false };
  return { items, NextMarker: encodeMarker({ list: limits.list, after: cursorOf(last) }), Truncated: true };
}

/** One page of a list held in memory, sorted by `sortKey` (unique, ascending). */
export function paginate<T>(
  items: readonly T[],
  sortKey: (item: T) => string,
  request: PageRequest,
  limits: ListLimits,
): Page<T> {
  const fetch = (after: string | undefined, count: number) => {
    const start = after === undefined ? 0 : items.findIndex((item) => sortKey(item) > after);
    return start < 0 ? [] : items.slice(start, start + count);
  };
  return paginateQuery(request, limits, fetch, sortKey);
}
