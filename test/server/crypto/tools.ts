import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeySpec, SigningAlgorithmSpec } from '../../../src/protocol/index.ts';
import type { KeyCrypto, SignatureScheme } from '../../../src/server/crypto/key-crypto.ts';
import { KEY_KINDS } from '../../../src/server/keys/kinds.ts';

/**
 * The independent implementations the crypto tests check kmslab against: the openssl 3.0 CLI, and peer.py
 * (Python's cryptography for ML-DSA, libsodium for Ed25519ph). Both are spawned, so nothing of ours runs in them.
 */

/** A directory for one test file's key and message files. */
export function scratch(): { file(name: string, contents: Buffer | string): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'kmslab-crypto-'));
  return {
    file(name, contents) {
      const path = join(dir, name);
      writeFileSync(path, contents);
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function run(command: string, args: readonly string[], input?: Buffer | string) {
  const result = spawnSync(command, args, { input, maxBuffer: 16 * 1024 * 1024 });
  if (result.error) throw result.error;
  return result;
}

/** openssl's output; throws with its error output when it fails. */
export function openssl(args: readonly string[], input?: Buffer): Buffer {
  const result = run('openssl', args, input);
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** `openssl pkeyutl`'s options for RSAES-OAEP with `hash` as the OAEP and the MGF1 hash, as KMS uses them. */
export function oaepOptions(hash: string): string[] {
  return [
    '-pkeyopt',
    'rsa_padding_mode:oaep',
    '-pkeyopt',
    `rsa_oaep_md:${hash}`,
    '-pkeyopt',
    `rsa_mgf1_md:${hash}`,
  ];
}

/** Whether an `openssl ... -verify` command accepts the signature (exit status 0). */
export function opensslVerifies(args: readonly string[]): boolean {
  return run('openssl', args).status === 0;
}

/** DER as PEM, which every openssl subcommand reads. */
export function pem(der: Buffer, label: 'PRIVATE KEY' | 'PUBLIC KEY'): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The Python interpreter itself: the pyenv shim that `python3` may be costs half a second per spawn. */
let python: string | undefined;
function pythonExecutable(): string {
  python ??= run('python3', ['-c', 'import sys; print(sys.executable)']).stdout.toString().trim();
  return python;
}

/** One request to peer.py; Buffer members go as hex, and hex answers come back as Buffers (booleans as they are). */
export function peer(
  command: string,
  request: Record<string, Buffer | string> = {},
): Record<string, Buffer | boolean> {
  const body: Record<string, string> = { command };
  for (const [name, value] of Object.entries(request))
    body[name] = Buffer.isBuffer(value) ? value.toString('hex') : value;
  const result = run(
    pythonExecutable(),
    [new URL('./peer.py', import.meta.url).pathname],
    JSON.stringify(body),
  );
  if (result.status !== 0) throw new Error(`peer.py ${command} failed: ${result.stderr}`);
  const answer = JSON.parse(result.stdout.toString()) as Record<string, string | boolean>;
  return Object.fromEntries(
    Object.entries(answer).map(([name, value]) => [
      name,
      typeof value === 'string' ? Buffer.from(value, 'hex') : value,
    ]),
  );
}

/** A copy of `bytes` with one bit flipped. */
export function tampered(bytes: Buffer, at = bytes.length >> 1): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = (copy[at] ?? 0) ^ 0x01;
  return copy;
}

/** The implementation of `algorithm` that the kind of `keySpec` names. */
export function signatureScheme(keySpec: KeySpec, algorithm: SigningAlgorithmSpec): SignatureScheme {
  const scheme = cryptoOf(keySpec).signing?.[algorithm];
  if (!scheme) throw new Error(`${keySpec} has no ${algorithm}`);
  return scheme;
}

/** The crypto that the kind of `keySpec` names. */
export function cryptoOf(keySpec: KeySpec): KeyCrypto {
  const crypto = KEY_KINDS[keySpec].crypto;
  if (!crypto) throw new Error(`${keySpec} has no crypto`);
  return crypto;
}

/** A new key of `keySpec`: its material, its DER public key, and both as PEM files for openssl. */
export async function newKey(files: ReturnType<typeof scratch>, keySpec: KeySpec) {
  const crypto = cryptoOf(keySpec);
  const material = await crypto.generate();
  const publicKey = crypto.publicKey?.(material) ?? Buffer.alloc(0);
  return {
    material,
    publicKey,
    privatePem: files.file(`${keySpec}.key`, pem(material, 'PRIVATE KEY')),
    publicPem: files.file(`${keySpec}.pub`, pem(publicKey, 'PUBLIC KEY')),
  };
}
