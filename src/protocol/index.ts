/** The KMS wire contract shared by the client and the server: type-only, so it adds nothing to a bundle. */

export type { PaginatedOperation } from './paginators.ts';
export type * from './types.ts';
