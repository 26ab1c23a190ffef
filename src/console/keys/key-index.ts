import type { KMSClient } from '../../client/kms-client.ts';
import type { KeyMetadata } from '../../protocol/index.ts';

/** One key of the list: what ListKeys and ListAliases give for it, which is what search covers. */
export interface KeyEntry {
  keyId: string;
  keyArn: string;
  aliases: string[];
  /** The key ID and alias names in lowercase, which a search looks in. */
  search: string;
}

/** ListKeys' and ListAliases' largest page: 100 requests for 100,000 keys. */
const PAGE_LIMIT = 1000;
/** DescribeKey calls in flight at once for the rows shown. */
const DESCRIBE_CONCURRENCY = 6;

/**
 * Every key ID and alias of the account and region, loaded page by page (listeners hear after each page, so the
 * list shows the first keys at once), and DescribeKey's metadata only for the keys that are shown, cached.
 */
export class KeyIndex {
  readonly keys: KeyEntry[] = [];
  loading = false;
  error: unknown;
  /** Bumped on every change, metadata included: views re-render on it. */
  version = 0;
  /** Bumped when keys or aliases change: what a search result depends on (metadata arriving does not). */
  listVersion = 0;
  readonly #byId = new Map<string, KeyEntry>();
  /** Aliases whose key has not been listed yet. */
  readonly #pendingAliases = new Map<string, string[]>();
  readonly #metadata = new Map<string, KeyMetadata | { error: unknown }>();
  readonly #describing = new Set<string>();
  readonly #listeners = new Set<() => void>();
  #queue: string[] = [];
  #generation = 0;

  constructor(readonly client: KMSClient) {}

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(listChanged = false): void {
    if (listChanged) this.listVersion++;
    this.version++;
    for (const listener of this.#listeners) listener();
  }

  /** (Re)loads every key and alias; a load started earlier stops adding to the list. */
  async load(): Promise<void> {
    const generation = ++this.#generation;
    this.keys.length = 0;
    this.#byId.clear();
    this.#pendingAliases.clear();
    this.#metadata.clear();
    this.loading = true;
    this.error = undefined;
    this.#changed(true);
    const current = () => generation === this.#generation;
    try {
      await Promise.all([this.#loadKeys(current), this.#loadAliases(current)]);
    } catch (error) {
      if (current()) this.error = error;
    }
    if (!current()) return;
    this.loading = false;
    this.#changed(true);
  }

  async #loadKeys(current: () => boolean): Promise<void> {
    for await (const page of this.client.paginate('ListKeys', { Limit: PAGE_LIMIT })) {
      if (!current()) return;
      for (const { KeyId = '', KeyArn = '' } of page.Keys ?? []) this.add(KeyId, KeyArn, false);
      this.#changed(true);
    }
  }

  async #loadAliases(current: () => boolean): Promise<void> {
    for await (const page of this.client.paginate('ListAliases', { Limit: PAGE_LIMIT })) {
      if (!current()) return;
      for (const { AliasName, TargetKeyId } of page.Aliases ?? []) {
        if (AliasName && TargetKeyId) this.#addAlias(TargetKeyId, AliasName);
      }
      this.#changed(true);
    }
  }

  #addAlias(keyId: string, aliasName: string): void {
    const entry = this.#byId.get(keyId);
    if (entry) {
      if (entry.aliases.includes(aliasName)) return;
      entry.aliases.push(aliasName);
      entry.search += `\n${aliasName.toLowerCase()}`;
    } else {
      this.#pendingAliases.set(keyId, [...(this.#pendingAliases.get(keyId) ?? []), aliasName]);
    }
  }

  /** Adds a key (one just created, or one of a ListKeys page). */
  add(keyId: string, keyArn: string, notify = true): void {
    if (this.#byId.has(keyId)) return;
    const aliases = this.#pendingAliases.get(keyId) ?? [];
    const entry = { keyId, keyArn, aliases, search: [keyId, ...aliases].join('\n').toLowerCase() };
    this.#pendingAliases.delete(keyId);
    this.keys.push(entry);
    this.#byId.set(keyId, entry);
    if (notify) this.#changed(true);
  }

  addAlias(keyId: string, aliasName: string): void {
    this.#addAlias(keyId, aliasName);
    this.#changed(true);
  }

  /** The key's metadata once described; undefined until then. */
  metadata(keyId: string): KeyMetadata | { error: unknown } | undefined {
    return this.#metadata.get(keyId);
  }

  /** Forgets a key's metadata (after an action changed it), so that it is described again when shown. */
  forget(keyId: string): void {
    this.#metadata.delete(keyId);
    this.#changed();
  }

  /** Describes the keys shown that are not described yet, a few at a time; keys no longer shown are skipped. */
  describe(keyIds: string[]): void {
    this.#queue = keyIds.filter((id) => !this.#metadata.has(id) && !this.#describing.has(id));
    while (this.#describing.size < DESCRIBE_CONCURRENCY && this.#queue.length > 0) this.#describeNext();
  }

  #describeNext(): void {
    const keyId = this.#queue.shift();
    if (keyId === undefined) return;
    this.#describing.add(keyId);
    this.client
      .describeKey(keyId)
      .then(
        (metadata) => this.#metadata.set(keyId, metadata),
        (error: unknown) => this.#metadata.set(keyId, { error }),
      )
      .finally(() => {
        this.#describing.delete(keyId);
        this.#changed();
        this.#describeNext();
      });
  }
}

/** How a search matches: a key ARN or alias ARN is reduced to its key ID or alias name first. */
export function matcher(query: string): (entry: KeyEntry) => boolean {
  const trimmed = query.trim().toLowerCase();
  if (trimmed === '') return () => true;
  const arn = /^arn:[^:]+:kms:[^:]*:[^:]*:(?:key\/(.+)|(alias\/.+))$/.exec(trimmed);
  const needle = arn ? (arn[1] ?? arn[2] ?? trimmed) : trimmed;
  return (entry) => entry.search.includes(needle);
}
