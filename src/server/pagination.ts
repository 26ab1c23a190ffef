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
 * One page of a list sorted by `sortKey` (unique, ascending). The marker remembers the last sort key returned,
 * not an offset, so items created or deleted between pages neither repeat nor shift the next page.
 */
export function paginate<T>(
  items: readonly T[],
  sortKey: (item: T) => string,
  request: PageRequest,
  limits: ListLimits,
): Page<T> {
  const limit = Math.min(request.Limit ?? limits.defaultLimit, limits.maxLimit);
  let start = 0;
  if (request.Marker !== undefined) {
    const after = decodeMarker(request.Marker, limits.list);
    start = items.findIndex((item) => sortKey(item) > after);
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + limit);
  const last = page[page.length - 1];
  if (start + limit >= items.length || last === undefined) return { items: page, Truncated: false };
  return {
    items: page,
    NextMarker: encodeMarker({ list: limits.list, after: sortKey(last) }),
    Truncated: true,
  };
}
