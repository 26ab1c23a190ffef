import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { type CompiledPolicy, compileIdentityPolicy, createPrincipal } from '../access/index.ts';
import type { CredentialEntry } from '../context.ts';
import { KMSError } from '../errors.ts';

/**
 * The identities file (`--identities FILE`): the IAM users and roles that call kmslab, each with its access
 * keys, principal tags and inline identity-based policies (JSON, as IAM takes them). Access keys it doesn't
 * declare keep meaning their account's root.
 *
 * ```yaml
 * users:
 *   - arn: arn:aws:iam::111122223333:user/alice
 *     accessKeys: [{ accessKeyId: AKIAALICE, secretAccessKey: alice-secret }]
 *     tags: { team: payments }
 *     policies:
 *       use-keys: '{"Version":"2012-10-17","Statement":[...]}'
 * roles:
 *   - arn: arn:aws:iam::111122223333:role/app
 *     policies: { ... }
 *     sessions:
 *       - { name: worker, accessKeyId: ASIAWORKER, secretAccessKey: s, sessionToken: t }
 * ```
 *
 * The same document is accepted as a seed file's `identities:` section.
 * A role session calls as `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` and must send its session token.
 * The YAML is read with the failsafe schema, so that account IDs stay strings.
 */

/** A bad identities file: the message names the file and the entry. */
export class IdentitiesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdentitiesError';
  }
}

export function loadIdentitiesFile(path: string): CredentialEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new IdentitiesError(`identities file ${path}: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = parse(text, { schema: 'failsafe' });
  } catch (error) {
    throw new IdentitiesError(`identities file ${path} is not YAML: ${(error as Error).message}`);
  }
  return identityCredentials(document ?? {}, `identities file ${path}`);
}

type Entry = Record<string, unknown>;

function isEntry(value: unknown): value is Entry {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fields(entry: unknown, where: string, allowed: readonly string[]): Entry {
  if (!isEntry(entry)) throw new IdentitiesError(`${where} must be a mapping`);
  for (const name of Object.keys(entry)) {
    if (!allowed.includes(name))
      throw new IdentitiesError(`${where}: unknown field "${name}" (expected ${allowed.join(', ')})`);
  }
  return entry;
}

function text(entry: Entry, name: string, where: string): string {
  const value = entry[name];
  if (typeof value !== 'string' || value === '') throw new IdentitiesError(`${where}: ${name} is required`);
  return value;
}

function list(entry: Entry, name: string, where: string): unknown[] {
  const value = entry[name];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new IdentitiesError(`${where}: ${name} must be a list`);
  return value;
}

function stringMap(entry: Entry, name: string, where: string): Record<string, string> {
  const value = entry[name];
  if (value === undefined) return {};
  if (!isEntry(value) || Object.values(value).some((v) => typeof v !== 'string'))
    throw new IdentitiesError(`${where}: ${name} must map names to strings`);
  return value as Record<string, string>;
}

function policies(entry: Entry, where: string): CompiledPolicy[] {
  return Object.entries(stringMap(entry, 'policies', where)).map(([name, document]) => {
    try {
      return compileIdentityPolicy(document, name);
    } catch (error) {
      const reason = error instanceof KMSError ? error.message : String(error);
      throw new IdentitiesError(`${where}: policy "${name}" is not a valid IAM policy: ${reason}`);
    }
  });
}

function principalOf(spec: Parameters<typeof createPrincipal>[0], where: string) {
  try {
    return createPrincipal(spec);
  } catch (error) {
    throw new IdentitiesError(`${where}: ${(error as Error).message}`);
  }
}

const ARN_PARTS = /^arn:([\w-]+):iam::(\d{12}):(user|role)(?:\/.*)?\/([\w+=,.@-]+)$/;

/** A user or role entry: its fields, its ARN (of that kind) and its parts, and how messages name it. */
function declared(item: unknown, at: string, kind: 'user' | 'role', own: readonly string[]) {
  const entry = fields(item, at, ['arn', 'tags', 'policies', ...own]);
  const arn = text(entry, 'arn', at);
  const where = `${at} (${arn})`;
  const parts = ARN_PARTS.exec(arn);
  if (parts?.[3] !== kind) throw new IdentitiesError(`${where}: arn must be an IAM ${kind}'s ARN`);
  return { entry, arn, where, parts: parts as unknown as string[] };
}

/** The access keys of the users and role sessions of an identities document (a file's, or a seed's `identities`). */
export function identityCredentials(document: unknown, source: string): CredentialEntry[] {
  const top = fields(document, source, ['users', 'roles']);
  const credentials: CredentialEntry[] = [];
  const add = (entry: CredentialEntry, where: string) => {
    if (credentials.some((c) => c.accessKeyId === entry.accessKeyId))
      throw new IdentitiesError(`${where}: access key ${entry.accessKeyId} is declared more than once`);
    credentials.push(entry);
  };
  list(top, 'users', source).forEach((item, index) => {
    const {
      entry: user,
      arn,
      where,
    } = declared(item, `${source}: users[${index}]`, 'user', ['userId', 'accessKeys']);
    const principal = principalOf(
      {
        arn,
        userId: typeof user.userId === 'string' ? user.userId : undefined,
        tags: stringMap(user, 'tags', where),
        policies: policies(user, where),
      },
      where,
    );
    list(user, 'accessKeys', where).forEach((key, k) => {
      const at = `${where}: accessKeys[${k}]`;
      const entry = fields(key, at, ['accessKeyId', 'secretAccessKey']);
      add(
        {
          accessKeyId: text(entry, 'accessKeyId', at),
          secretAccessKey: text(entry, 'secretAccessKey', at),
          accountId: principal.accountId,
          principal,
        },
        at,
      );
    });
  });
  list(top, 'roles', source).forEach((item, index) => {
    const {
      entry: role,
      arn,
      where,
      parts,
    } = declared(item, `${source}: roles[${index}]`, 'role', ['roleId', 'sessions']);
    const [, partition, accountId, , roleName] = parts;
    const tags = stringMap(role, 'tags', where);
    const compiled = policies(role, where);
    list(role, 'sessions', where).forEach((session, s) => {
      const at = `${where}: sessions[${s}]`;
      const entry = fields(session, at, ['name', 'accessKeyId', 'secretAccessKey', 'sessionToken', 'tags']);
      const name = text(entry, 'name', at);
      const principal = principalOf(
        {
          arn: `arn:${partition}:sts::${accountId}:assumed-role/${roleName}/${name}`,
          roleArn: arn,
          userId: `${typeof role.roleId === 'string' ? role.roleId : `AROA${roleName}`}:${name}`,
          tags: { ...tags, ...stringMap(entry, 'tags', at) },
          policies: compiled,
        },
        at,
      );
      add(
        {
          accessKeyId: text(entry, 'accessKeyId', at),
          secretAccessKey: text(entry, 'secretAccessKey', at),
          sessionToken: text(entry, 'sessionToken', at),
          accountId: principal.accountId,
          principal,
        },
        at,
      );
    });
  });
  return credentials;
}
