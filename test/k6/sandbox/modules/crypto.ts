import { createHash, createHmac, getHashes, randomBytes as nodeRandomBytes } from 'node:crypto';
import { guard } from '../interrupt.ts';
import { arrayBuffer, goError, newObject, type Realm, toBytes } from '../realm.ts';
import type { VuState } from '../state.ts';

const ALGORITHMS: Record<string, string> = {
  md4: 'md4',
  md5: 'md5',
  sha1: 'sha1',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
  sha512_224: 'sha512-224',
  sha512_256: 'sha512-256',
  ripemd160: 'ripemd160',
};

/** k6/crypto's Hasher.Digest output encodings (k6-runtime.md §3.3). */
function digestAs(realm: Realm, digest: Uint8Array, encoding: unknown): string | ArrayBuffer {
  switch (encoding) {
    case 'hex':
      return Buffer.from(digest).toString('hex');
    case 'base64':
      return Buffer.from(digest).toString('base64');
    case 'base64url':
      return Buffer.from(digest)
        .toString('base64url')
        .padEnd(Math.ceil(digest.length / 3) * 4, '=');
    case 'base64rawurl':
      return Buffer.from(digest).toString('base64url');
    case 'binary':
      return arrayBuffer(realm, digest);
    default:
      throw goError(realm, `invalid output encoding: ${encoding === undefined ? '' : String(encoding)}`);
  }
}

/** `k6/crypto` (k6-runtime.md §3.1–3.3). */
export function createCryptoModule(vu: VuState): Record<string, unknown> {
  const { realm } = vu;
  const algorithm = (name: unknown): string => {
    const node = ALGORITHMS[String(name)];
    if (node === undefined || !getHashes().includes(node))
      throw goError(realm, `invalid algorithm: ${String(name)}`);
    return node;
  };
  const hasher = (update: (bytes: Uint8Array) => void, digest: () => Uint8Array) =>
    newObject(realm, {
      update: (input: unknown) => {
        guard(vu, 'Hasher.update()');
        update(toBytes(realm, input));
      },
      digest: (encoding: unknown) => {
        guard(vu, 'Hasher.digest()');
        return digestAs(realm, digest(), encoding);
      },
    });
  const newHash = (name: unknown) => {
    const hash = createHash(algorithm(name));
    return hasher(
      (bytes) => hash.update(bytes),
      () => new Uint8Array(hash.copy().digest()),
    );
  };
  const newHmac = (name: unknown, key: unknown) => {
    const node = algorithm(name);
    const keyBytes = toBytes(realm, key);
    const chunks: Uint8Array[] = [];
    return hasher(
      (bytes) => chunks.push(bytes),
      () => {
        const hmac = createHmac(node, keyBytes);
        for (const chunk of chunks) hmac.update(chunk);
        return new Uint8Array(hmac.digest());
      },
    );
  };
  const exports: Record<string, unknown> = {
    createHash: (name: unknown) => {
      guard(vu, 'createHash()');
      return newHash(name);
    },
    createHMAC: (name: unknown, key: unknown) => {
      guard(vu, 'createHMAC()');
      return newHmac(name, key);
    },
    hmac: (name: unknown, key: unknown, input: unknown, encoding: unknown) => {
      guard(vu, 'hmac()');
      const h = createHmac(algorithm(name), toBytes(realm, key));
      return digestAs(realm, new Uint8Array(h.update(toBytes(realm, input)).digest()), encoding);
    },
    randomBytes: (size: unknown) => {
      guard(vu, 'randomBytes()');
      const n = Number(size);
      if (!(n >= 1)) throw goError(realm, 'invalid size');
      return arrayBuffer(realm, new Uint8Array(nodeRandomBytes(Math.floor(n))));
    },
    hexEncode: (data: unknown) => {
      guard(vu, 'hexEncode()');
      return Buffer.from(toBytes(realm, data)).toString('hex');
    },
  };
  for (const name of Object.keys(ALGORITHMS)) {
    exports[name] = (input: unknown, encoding: unknown) => {
      guard(vu, `${name}()`);
      return digestAs(
        realm,
        new Uint8Array(createHash(algorithm(name)).update(toBytes(realm, input)).digest()),
        encoding,
      );
    };
  }
  return { ...exports, default: newObject(realm, exports) };
}
