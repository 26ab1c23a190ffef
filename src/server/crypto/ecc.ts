import {
  createPublicKey,
  diffieHellman,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import type { ECDSA } from '@noble/curves/abstract/weierstrass.js';
import type { SigningAlgorithmSpec } from '../../protocol/index.ts';
import { Errors } from '../messages.ts';
import { digestToSign, type Hash, SHA_256, SHA_384, SHA_512 } from './digests.ts';
import { type KeyAgreement, type KeyCrypto, parsedOnce, type SignatureScheme } from './key-crypto.ts';
import { onFirstUse } from './lazy.ts';
import { generatePkcs8, importPkcs8, jwkBytes, nodeKeyPair } from './node-keys.ts';

/**
 * Elliptic-curve keys: ECDSA signatures (DER-encoded, as KMS returns them) and ECDH key agreement. OpenSSL
 * (node:crypto) makes the keys, signs RAW messages and derives shared secrets. It cannot sign a digest without
 * hashing it again, so DIGEST messages are signed and verified by @noble/curves (audited), over the same key.
 */

type EccKeySpec = 'ECC_NIST_P256' | 'ECC_NIST_P384' | 'ECC_NIST_P521' | 'ECC_SECG_P256K1';

interface Curve {
  /** OpenSSL's name, as node:crypto reports and takes it. */
  readonly name: 'prime256v1' | 'secp384r1' | 'secp521r1' | 'secp256k1';
  readonly noble: () => ECDSA;
}

const nist = onFirstUse<typeof import('@noble/curves/nist.js')>('@noble/curves/nist.js');
const secp = onFirstUse<typeof import('@noble/curves/secp256k1.js')>('@noble/curves/secp256k1.js');

const CURVES: { readonly [S in EccKeySpec]: Curve } = {
  ECC_NIST_P256: { name: 'prime256v1', noble: () => nist().p256 },
  ECC_NIST_P384: { name: 'secp384r1', noble: () => nist().p384 },
  ECC_NIST_P521: { name: 'secp521r1', noble: () => nist().p521 },
  ECC_SECG_P256K1: { name: 'secp256k1', noble: () => secp().secp256k1 },
};

/** The key as @noble/curves takes it: the private scalar and the uncompressed public point. */
interface RawKeyPair {
  readonly secretKey: Buffer;
  readonly publicKey: Buffer;
}

/**
 * KMS signs with whichever s the signer produced and verifies either (it does not enforce low-S, unlike
 * Bitcoin), so neither does noble here.
 */
const NOBLE_OPTIONS = { prehash: false, format: 'der', lowS: false } as const;

function ecdsa(algorithm: SigningAlgorithmSpec, keySpec: EccKeySpec, hash: Hash): SignatureScheme {
  const { noble } = CURVES[keySpec];
  const raw = parsedOnce((material): RawKeyPair => {
    const scalarBytes = noble().lengths.secretKey ?? 0;
    const jwk = nodeKeyPair(material).privateKey.export({ format: 'jwk' });
    return {
      secretKey: jwkBytes(jwk.d, scalarBytes),
      publicKey: Buffer.concat([
        Buffer.from([0x04]),
        jwkBytes(jwk.x, scalarBytes),
        jwkBytes(jwk.y, scalarBytes),
      ]),
    };
  });
  return {
    sign(material, message, messageType) {
      if (messageType === 'RAW') return nodeSign(hash.name, message, nodeKeyPair(material).privateKey);
      const digest = digestToSign(algorithm, keySpec, hash, message, messageType);
      return Buffer.from(noble().sign(digest, raw(material).secretKey, NOBLE_OPTIONS));
    },
    verify(material, message, messageType, signature) {
      if (messageType === 'RAW')
        return nodeVerify(hash.name, message, nodeKeyPair(material).publicKey, signature);
      const digest = digestToSign(algorithm, keySpec, hash, message, messageType);
      try {
        return noble().verify(signature, digest, raw(material).publicKey, NOBLE_OPTIONS);
      } catch {
        return false;
      }
    },
  };
}

/** ECDH (cofactor 1 on these curves): the x-coordinate of the shared point, as KMS returns it. */
function ecdh(keySpec: EccKeySpec): KeyAgreement {
  const { name } = CURVES[keySpec];
  return {
    derive(material, peerPublicKey) {
      let peer: KeyObject;
      try {
        peer = createPublicKey({ key: peerPublicKey, format: 'der', type: 'spki' });
      } catch {
        throw Errors.invalidPublicKey();
      }
      if (peer.asymmetricKeyType !== 'ec' || peer.asymmetricKeyDetails?.namedCurve !== name)
        throw Errors.publicKeyCurveMismatch(keySpec);
      return diffieHellman({ privateKey: nodeKeyPair(material).privateKey, publicKey: peer });
    },
  };
}

function eccCrypto(keySpec: EccKeySpec, signing: SigningAlgorithmSpec, hash: Hash): KeyCrypto {
  return {
    generate: () => generatePkcs8('ec', { namedCurve: CURVES[keySpec].name }),
    importMaterial: (bytes) =>
      importPkcs8(
        bytes,
        (key) =>
          key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === CURVES[keySpec].name,
      ),
    publicKey: (material) => nodeKeyPair(material).spki,
    signing: { [signing]: ecdsa(signing, keySpec, hash) },
    // AWS agrees keys on the NIST curves only.
    keyAgreement: keySpec === 'ECC_SECG_P256K1' ? undefined : { ECDH: ecdh(keySpec) },
  };
}

export const ECC_CRYPTO: { readonly [S in EccKeySpec]: KeyCrypto } = {
  ECC_NIST_P256: eccCrypto('ECC_NIST_P256', 'ECDSA_SHA_256', SHA_256),
  ECC_NIST_P384: eccCrypto('ECC_NIST_P384', 'ECDSA_SHA_384', SHA_384),
  ECC_NIST_P521: eccCrypto('ECC_NIST_P521', 'ECDSA_SHA_512', SHA_512),
  ECC_SECG_P256K1: eccCrypto('ECC_SECG_P256K1', 'ECDSA_SHA_256', SHA_256),
};
