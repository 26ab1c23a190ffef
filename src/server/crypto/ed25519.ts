import { sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import type { MessageType, SigningAlgorithmSpec } from '../../protocol/index.ts';
import { Errors } from '../messages.ts';
import { SHA_512 } from './digests.ts';
import { type KeyCrypto, parsedOnce } from './key-crypto.ts';
import { onFirstUse } from './lazy.ts';
import { generatePkcs8, importPkcs8, jwkBytes, nodeKeyPair } from './node-keys.ts';

/**
 * Ed25519 keys (ECC_NIST_EDWARDS25519). ED25519_SHA_512 is pure Ed25519 (RFC 8032) over a RAW message, signed by
 * OpenSSL. ED25519_PH_SHA_512 is Ed25519ph over a DIGEST: the caller's SHA-512 digest is the message that
 * Ed25519ph prehashes once more, as AWS documents ("the input is hashed twice"). Node 20's OpenSSL 3.0 has no
 * Ed25519ph, so @noble/curves (audited) makes and checks those signatures.
 */

const KEY_BYTES = 32;

const ed25519 = onFirstUse<typeof import('@noble/curves/ed25519.js')>('@noble/curves/ed25519.js');

/** The seed and public key as @noble/curves takes them. */
const rawKeyPair = parsedOnce((material) => {
  const jwk = nodeKeyPair(material).privateKey.export({ format: 'jwk' });
  return { secretKey: jwkBytes(jwk.d, KEY_BYTES), publicKey: jwkBytes(jwk.x, KEY_BYTES) };
});

/** Each algorithm takes one message type; AWS names the algorithm when refusing another. */
function requireMessageType(
  algorithm: SigningAlgorithmSpec,
  expected: MessageType,
  messageType: MessageType,
): void {
  if (messageType !== expected) throw Errors.messageTypeIncompatible(messageType, `algorithm ${algorithm}`);
}

function prehashed(message: Buffer, messageType: MessageType): Buffer {
  requireMessageType('ED25519_PH_SHA_512', 'DIGEST', messageType);
  if (message.length !== SHA_512.bytes) throw Errors.digestLength('ED25519_PH_SHA_512');
  return message;
}

export const ED25519_CRYPTO: KeyCrypto = {
  generate: () => generatePkcs8('ed25519', {}),
  importMaterial: (bytes) => importPkcs8(bytes, (key) => key.asymmetricKeyType === 'ed25519'),
  publicKey: (material) => nodeKeyPair(material).spki,
  signing: {
    ED25519_SHA_512: {
      sign(material, message, messageType) {
        requireMessageType('ED25519_SHA_512', 'RAW', messageType);
        return nodeSign(null, message, nodeKeyPair(material).privateKey);
      },
      verify(material, message, messageType, signature) {
        requireMessageType('ED25519_SHA_512', 'RAW', messageType);
        return nodeVerify(null, message, nodeKeyPair(material).publicKey, signature);
      },
    },
    ED25519_PH_SHA_512: {
      sign: (material, message, messageType) =>
        Buffer.from(
          ed25519().ed25519ph.sign(prehashed(message, messageType), rawKeyPair(material).secretKey),
        ),
      verify(material, message, messageType, signature) {
        const digest = prehashed(message, messageType);
        try {
          // RFC 8032's rules (as OpenSSL applies them to Ed25519), not ZIP-215's more permissive ones.
          return ed25519().ed25519ph.verify(signature, digest, rawKeyPair(material).publicKey, {
            zip215: false,
          });
        } catch {
          return false;
        }
      },
    },
  },
};
