import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { KeySpec, KeyUsageType } from '../../protocol/index.ts';
import { keySpecOfPrivateKey } from '../crypto/key-specs.ts';
import { type KeyReference, parseKeyReference } from '../keys/arn.ts';
import { decode256BitKey } from '../root-key.ts';
import { identityCredentials } from './identities.ts';
import { SeedError, type SeedKey, type SeedSpec } from './spec.ts';

/**
 * Seed files declare keys that exist from the first start on. Two formats are read:
 *
 * - kmslab's own (`keys:` in lower camel case): key ID, key spec and usage (a symmetric encryption key by
 *   default), description, enabled state, material (AES-256 as one value or a list of versions oldest first; an
 *   HMAC secret in hex or base64; a private key in PEM), aliases, tags, and optionally the account and region.
 * - local-kms's, as its users already have it (`Keys:` / `Aliases:`): `Keys.Symmetric.Aes[]` with
 *   `Metadata.KeyId`, `Metadata.Description` and hex `BackingKeys`, `Keys.Symmetric.Hmac[]` with
 *   `Metadata.KeySpec` and a hex backing key, `Keys.Asymmetric.Rsa[]` and `Ecc[]` with `Metadata.KeyUsage` and
 *   `PrivateKeyPem` (the spec is the key's own: its size or curve); the older list form and the `Version: 2`
 *   list form as well.
 *
 * This module maps either format to a SeedSpec and refuses only what it cannot map (not YAML, an unknown field, a
 * list where a value belongs, material that is not 32 bytes); whether what the file declares is valid (key IDs,
 * alias names, tags, accounts, regions) is for the API's rules to say, which seed/apply.ts checks it by.
 *
 * The YAML is read with the failsafe schema, so every scalar stays a string: account IDs and hex material that
 * happen to be all digits are not turned into numbers. Nothing in an error message ever echoes key material.
 */

export type SeedFormat = 'kmslab' | 'local-kms';

export interface ParsedSeed {
  spec: SeedSpec;
  format: SeedFormat;
  /** Parts of the file that were skipped, each naming what and why. */
  warnings: string[];
}

export function loadSeedFile(path: string): ParsedSeed {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SeedError(`${path}: cannot read the seed file: ${(error as Error).message}`);
  }
  return parseSeed(text, path);
}

export function parseSeed(text: string, file: string): ParsedSeed {
  const document = parseDocument(text, { schema: 'failsafe', prettyErrors: true });
  const [first] = document.errors;
  if (first) throw new SeedError(`${file}: not valid YAML: ${first.message.trim()}`);
  const root: unknown = document.toJS();
  if (root === null || root === undefined) {
    return { spec: { keys: [] }, format: 'kmslab', warnings: [`${file}: the seed file is empty`] };
  }
  if (!isMap(root))
    throw new SeedError(`${file}: the top level must be a mapping with \`keys:\` (or \`Keys:\`)`);

  const ours = 'keys' in root || 'aliases' in root || 'identities' in root;
  const theirs = 'Keys' in root || 'Aliases' in root;
  if (ours && theirs) {
    throw new SeedError(
      `${file}: mixes kmslab's format (\`keys\`, \`aliases\`) with local-kms's (\`Keys\`, \`Aliases\`); use one`,
    );
  }
  if (theirs) return new LocalKmsReader(file).read(root);
  if (ours) return new KmslabReader(file).read(root);
  throw new SeedError(
    `${file}: found none of \`keys\` or \`aliases\` (kmslab's format) or \`Keys\` or \`Aliases\` (local-kms's)`,
  );
}

type YamlMap = Record<string, unknown>;

function isMap(value: unknown): value is YamlMap {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

/** Under the failsafe schema an empty value is '' and `~`/`null` are strings too. */
function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === '' || value === '~' || value === 'null';
}

const MATERIAL_HELP = 'must be 32 bytes written as 64 hex digits or as base64 (`openssl rand -hex 32`)';
const KEY_MATERIAL_HELP =
  'must be a private key in PEM (`openssl genpkey`), or the bytes of an HMAC secret in hex or base64';

/**
 * A private key in PEM as DER PKCS#8: a PKCS#8 `PRIVATE KEY` as it is (ML-DSA keys too, which Node's OpenSSL
 * cannot read), the older SEC1 (`EC PRIVATE KEY`) and PKCS#1 (`RSA PRIVATE KEY`) forms re-encoded by OpenSSL.
 */
function privateKeyDer(pem: string): Buffer | undefined {
  const match = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!match) return undefined;
  if (match[1] === 'PRIVATE KEY') return Buffer.from(match[2] ?? '', 'base64');
  try {
    return createPrivateKey(match[0]).export({ format: 'der', type: 'pkcs8' });
  } catch {
    return undefined;
  }
}

/** Key material other than AES-256: a PEM private key, or bytes in hex (preferred when it reads as hex) or base64. */
function keyMaterialBytes(text: string): Buffer | undefined {
  const value = text.trim();
  if (value.startsWith('-----BEGIN')) return privateKeyDer(value);
  if (/^(?:[0-9a-fA-F]{2})+$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return Buffer.from(value, 'base64');
  return undefined;
}

/** What both formats' readers share; `where` names the place in the file (`key "abc"`, `Aliases[2]`). */
abstract class Reader {
  protected readonly warnings: string[] = [];
  protected readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  protected fail(where: string, what: string): never {
    throw new SeedError(`${this.file}: ${where}: ${what}`);
  }

  protected warn(where: string, what: string): void {
    this.warnings.push(`${this.file}: ${where}: ${what}`);
  }

  protected string(value: unknown, where: string, field: string): string {
    if (typeof value !== 'string') this.fail(where, `\`${field}\` must be a single value`);
    return value;
  }

  protected optionalString(value: unknown, where: string, field: string): string | undefined {
    return isAbsent(value) ? undefined : this.string(value, where, field);
  }

  protected list(value: unknown, where: string, field: string): unknown[] {
    if (isAbsent(value)) return [];
    if (!Array.isArray(value)) this.fail(where, `\`${field}\` must be a list`);
    return value;
  }

  protected material(value: unknown, where: string, field: string): Uint8Array {
    if (typeof value !== 'string') this.fail(where, `\`${field}\` ${MATERIAL_HELP}`);
    const bytes = decode256BitKey(value);
    if (!bytes) this.fail(where, `\`${field}\` ${MATERIAL_HELP}`);
    return bytes;
  }

  /** A private key in PEM (local-kms's `PrivateKeyPem`) as DER PKCS#8. */
  protected privateKey(value: unknown, where: string, field: string): Buffer {
    const der = typeof value === 'string' ? privateKeyDer(value.trim()) : undefined;
    if (!der) this.fail(where, `\`${field}\` must be a private key in PEM`);
    return der;
  }

  /** Material of a key that is not symmetric; whether it is material of the key's spec is for seed/apply.ts. */
  protected keyMaterial(value: unknown, where: string, field: string): Uint8Array {
    const bytes = typeof value === 'string' ? keyMaterialBytes(value) : undefined;
    if (!bytes) this.fail(where, `\`${field}\` ${KEY_MATERIAL_HELP}`);
    return bytes;
  }
}

const KMSLAB_TOP = ['keys', 'aliases', 'identities'];
const KMSLAB_KEY = [
  'keyId',
  'keySpec',
  'keyUsage',
  'description',
  'enabled',
  'material',
  'aliases',
  'tags',
  'account',
  'region',
];
const KMSLAB_ALIAS = ['aliasName', 'targetKeyId', 'account', 'region'];

class KmslabReader extends Reader {
  read(root: YamlMap): ParsedSeed {
    this.onlyFields(root, KMSLAB_TOP, 'the top level');
    const keys = this.list(root.keys, 'the top level', 'keys').map((raw, index) => this.key(raw, index));
    const aliases = this.list(root.aliases, 'the top level', 'aliases').map((raw, index) =>
      this.alias(raw, index),
    );
    const spec: SeedSpec = { keys };
    if (aliases.length > 0) spec.aliases = aliases;
    if (root.identities !== undefined)
      spec.identities = identityCredentials(root.identities, `${this.file}: identities`);
    return { spec, format: 'kmslab', warnings: this.warnings };
  }

  private onlyFields(map: YamlMap, allowed: readonly string[], where: string): void {
    for (const field of Object.keys(map)) {
      if (!allowed.includes(field)) {
        this.fail(where, `unknown field \`${field}\` (expected one of: ${allowed.join(', ')})`);
      }
    }
  }

  private key(raw: unknown, index: number): SeedKey {
    if (!isMap(raw)) this.fail(`keys[${index}]`, 'each key must be a mapping with at least `keyId`');
    if (isAbsent(raw.keyId)) this.fail(`keys[${index}]`, '`keyId` is required');
    const keyId = this.string(raw.keyId, `keys[${index}]`, 'keyId');
    const where = `key "${keyId}"`;
    this.onlyFields(raw, KMSLAB_KEY, where);

    const key: SeedKey = { keyId };
    // The model's values are checked when the seed is applied, as CreateKey checks them.
    const keySpec = this.optionalString(raw.keySpec, where, 'keySpec') as KeySpec | undefined;
    if (keySpec !== undefined) key.keySpec = keySpec;
    const keyUsage = this.optionalString(raw.keyUsage, where, 'keyUsage') as KeyUsageType | undefined;
    if (keyUsage !== undefined) key.keyUsage = keyUsage;
    const accountId = this.optionalString(raw.account, where, 'account');
    if (accountId !== undefined) key.accountId = accountId;
    const region = this.optionalString(raw.region, where, 'region');
    if (region !== undefined) key.region = region;
    const description = this.optionalString(raw.description, where, 'description');
    if (description !== undefined) key.description = description;
    if (!isAbsent(raw.enabled)) key.enabled = this.boolean(raw.enabled, where, 'enabled');
    if (!isAbsent(raw.material)) {
      const symmetric = keySpec === undefined || keySpec === 'SYMMETRIC_DEFAULT';
      key.materials = symmetric
        ? this.materials(raw.material, where)
        : [this.keyMaterial(raw.material, where, 'material')];
    }
    const aliases = this.list(raw.aliases, where, 'aliases').map((name, i) =>
      this.string(name, where, `aliases[${i}]`),
    );
    if (aliases.length > 0) key.aliases = aliases;
    const tags = this.tags(raw.tags, where);
    if (tags.length > 0) key.tags = tags;
    return key;
  }

  private boolean(value: unknown, where: string, field: string): boolean {
    const text = this.string(value, where, field).toLowerCase();
    if (text === 'true') return true;
    if (text === 'false') return false;
    this.fail(where, `\`${field}\` must be true or false`);
  }

  private materials(value: unknown, where: string): Uint8Array[] {
    if (!Array.isArray(value)) return [this.material(value, where, 'material')];
    if (value.length === 0)
      this.fail(where, '`material` is an empty list; give at least one version or leave it out');
    return value.map((item, i) => this.material(item, where, `material[${i}]`));
  }

  /** Tags as a mapping (`Team: payments`) or as AWS's list of `{TagKey, TagValue}`. */
  private tags(value: unknown, where: string): { TagKey: string; TagValue: string }[] {
    if (isAbsent(value)) return [];
    let pairs: [unknown, unknown][];
    if (isMap(value)) pairs = Object.entries(value);
    else if (Array.isArray(value)) {
      pairs = value.map((tag, i) => {
        if (!isMap(tag)) this.fail(where, `tags[${i}] must have \`TagKey\` and \`TagValue\``);
        return [tag.TagKey, tag.TagValue ?? ''];
      });
    } else this.fail(where, '`tags` must be a mapping of tag keys to values');
    return pairs.map(([rawKey, rawValue]) => {
      const TagKey = this.string(rawKey, where, 'tags');
      return { TagKey, TagValue: this.string(rawValue ?? '', where, `tags.${TagKey}`) };
    });
  }

  private alias(raw: unknown, index: number): NonNullable<SeedSpec['aliases']>[number] {
    const where = `aliases[${index}]`;
    if (!isMap(raw)) this.fail(where, 'each alias must be a mapping with `aliasName` and `targetKeyId`');
    this.onlyFields(raw, KMSLAB_ALIAS, where);
    const alias: NonNullable<SeedSpec['aliases']>[number] = {
      aliasName: this.string(raw.aliasName, where, 'aliasName'),
      targetKeyId: this.string(raw.targetKeyId, where, 'targetKeyId'),
    };
    const accountId = this.optionalString(raw.account, where, 'account');
    if (accountId !== undefined) alias.accountId = accountId;
    const region = this.optionalString(raw.region, where, 'region');
    if (region !== undefined) alias.region = region;
    return alias;
  }
}

/** The key kinds of local-kms's seed files, by their place in the file. */
const LOCAL_KMS_KINDS = [
  'Keys.Symmetric.Aes',
  'Keys.Symmetric.Hmac',
  'Keys.Asymmetric.Rsa',
  'Keys.Asymmetric.Ecc',
];

class LocalKmsReader extends Reader {
  read(root: YamlMap): ParsedSeed {
    const keys: SeedKey[] = [];
    const add = (raw: unknown, path: string) => {
      const key = this.key(raw, path);
      if (key) keys.push(key);
    };
    const rawKeys = root.Keys;
    if (Array.isArray(rawKeys)) {
      // The legacy list of AES keys, and local-kms's `Version: 2` list, where each entry says its KeySpec.
      for (const [index, raw] of rawKeys.entries()) add(raw, `Keys[${index}]`);
    } else if (isMap(rawKeys)) {
      for (const [group, kinds] of Object.entries(rawKeys)) {
        if (isAbsent(kinds)) continue;
        if (!isMap(kinds)) this.fail(`Keys.${group}`, 'must be a mapping of key kinds (Aes, Hmac, Rsa, Ecc)');
        for (const [kind, list] of Object.entries(kinds)) {
          const path = `Keys.${group}.${kind}`;
          const entries = this.list(list, path, path);
          if (LOCAL_KMS_KINDS.includes(path)) {
            for (const [index, raw] of entries.entries()) add(raw, `${path}[${index}]`);
          } else if (entries.length > 0)
            this.warn(path, `skipped ${entries.length} key(s): unknown key kind`);
        }
      }
    } else if (!isAbsent(rawKeys)) {
      this.fail('Keys', 'must be a mapping (Symmetric: Aes: [...]) or a list of keys');
    }

    const aliases = this.list(root.Aliases, 'Aliases', 'Aliases').map((raw, index) => this.alias(raw, index));
    const spec: SeedSpec = { keys };
    if (aliases.length > 0) spec.aliases = aliases;
    return { spec, format: 'local-kms', warnings: this.warnings };
  }

  /**
   * One key of any kind: an AES key's backing keys, an HMAC key's backing key, or an RSA or ECC key's
   * `PrivateKeyPem`, whose own type and size say its spec.
   */
  private key(raw: unknown, path: string): SeedKey | undefined {
    if (!isMap(raw)) this.fail(path, 'each key must be a mapping with `Metadata` and its material');
    const metadata = isAbsent(raw.Metadata) ? {} : raw.Metadata;
    if (!isMap(metadata)) this.fail(path, '`Metadata` must be a mapping');
    // The Version 2 form puts KeyId and material beside Metadata; the others put KeyId inside it.
    const rawId = isAbsent(raw.KeyId) ? metadata.KeyId : raw.KeyId;
    if (isAbsent(rawId)) this.fail(path, '`Metadata.KeyId` is required');
    const keyId = this.string(rawId, path, 'KeyId');
    const where = `key "${keyId}" (${path})`;

    const material = isMap(raw.Material) ? raw.Material : raw;
    const keySpec = this.optionalString(metadata.KeySpec, where, 'Metadata.KeySpec');
    const origin = this.optionalString(metadata.Origin, where, 'Metadata.Origin');
    const backingKeys = this.list(material.BackingKeys, where, 'BackingKeys');
    const pem = material.PrivateKeyPem;
    if (isAbsent(pem) && backingKeys.length === 0) {
      if (origin === 'EXTERNAL') {
        this.warn(where, 'skipped: an EXTERNAL key waiting for imported material is not supported');
        return undefined;
      }
      this.fail(
        where,
        '`BackingKeys` must list at least one hex-encoded key (AES and HMAC keys), or `PrivateKeyPem` give the private key (RSA and ECC keys)',
      );
    }

    const key: SeedKey = { keyId };
    if (!isAbsent(pem)) {
      const der = this.privateKey(pem, where, 'PrivateKeyPem');
      const spec = keySpecOfPrivateKey(der);
      if (!spec)
        this.fail(where, '`PrivateKeyPem` is no RSA, EC or Ed25519 key of a size or curve AWS KMS offers');
      key.keySpec = spec;
      // local-kms makes ECC keys for signing only, and RSA keys for signing unless told otherwise.
      key.keyUsage = (this.optionalString(metadata.KeyUsage, where, 'Metadata.KeyUsage') ??
        'SIGN_VERIFY') as KeyUsageType;
      key.materials = [der];
    } else if (path.startsWith('Keys.Symmetric.Hmac') || keySpec?.startsWith('HMAC_')) {
      if (keySpec === undefined)
        this.fail(where, '`Metadata.KeySpec` (HMAC_224, HMAC_256, HMAC_384 or HMAC_512) is required');
      key.keySpec = keySpec as KeySpec;
      key.keyUsage = 'GENERATE_VERIFY_MAC';
      // local-kms MACs with its first backing key; an HMAC key has one material in KMS.
      key.materials = [this.keyMaterial(backingKeys[0], where, 'BackingKeys[0]')];
      if (backingKeys.length > 1)
        this.warn(where, 'only the first of `BackingKeys` is used: HMAC keys do not rotate');
    } else {
      if (keySpec !== undefined && keySpec !== 'SYMMETRIC_DEFAULT') {
        this.fail(where, `a ${keySpec} key needs \`PrivateKeyPem\``);
      }
      key.materials = backingKeys.map((value, i) => this.material(value, where, `BackingKeys[${i}]`));
    }

    const description = this.optionalString(metadata.Description, where, 'Metadata.Description');
    if (description !== undefined) key.description = description;
    if (typeof metadata.Enabled === 'string' && metadata.Enabled.toLowerCase() === 'false')
      key.enabled = false;
    if (!isAbsent(raw.NextKeyRotation)) {
      this.warn(where, '`NextKeyRotation` is ignored; turn rotation on with EnableKeyRotation');
    }
    return key;
  }

  private alias(raw: unknown, index: number): NonNullable<SeedSpec['aliases']>[number] {
    const where = `Aliases[${index}]`;
    if (!isMap(raw)) this.fail(where, 'each alias must be a mapping with `AliasName` and `TargetKeyId`');
    const aliasName = this.string(raw.AliasName, where, 'AliasName');
    const target = this.string(raw.TargetKeyId, `alias "${aliasName}"`, 'TargetKeyId');
    // local-kms names the target by key ID or by key ARN, whose account and region are the alias's too.
    let reference: KeyReference;
    try {
      reference = parseKeyReference(target);
    } catch (error) {
      this.fail(`alias "${aliasName}"`, `\`TargetKeyId\`: ${(error as Error).message}`);
    }
    if (reference.kind === 'keyId') return { aliasName, targetKeyId: reference.keyId };
    if (reference.kind === 'keyArn') {
      const { keyId, accountId, region } = reference;
      return { aliasName, targetKeyId: keyId, accountId, region };
    }
    this.fail(`alias "${aliasName}"`, '`TargetKeyId` must name a key (its ID or ARN), not an alias');
  }
}
