import type { AlgorithmSpec, GetParametersForImportResponse, KeySpec } from '../../protocol/index.ts';
import { generateWrappingKey, type WrappingAlgorithm, type WrappingKeySpec } from '../crypto/key-wrap.ts';
import { openToken, sealToken } from '../crypto/tokens.ts';
import type { LoadedKey } from '../keys/key.ts';
import { ImportErrors } from '../messages.ts';

/**
 * GetParametersForImport and the import token ("Step 2: Download the wrapping public key and import token").
 *
 * The token is sealed under the root key's import-token secret (crypto/tokens.ts) and holds everything the import
 * needs: the key it is for, the wrapping algorithm, when it expires, and the wrapping private key itself. So
 * parameters need no storing, a token works only for its own key, and the private key never leaves kmslab
 * unsealed. ImportToken is a blob of up to 6144 bytes; with a 4096-bit wrapping key the token is about 2.5 kB.
 */

/** "Each wrapping public key and import token set is valid for 24 hours." */
export const IMPORT_PARAMETERS_VALID_MS = 24 * 60 * 60 * 1000;

/** Imported material is for keys of origin EXTERNAL: any other is refused in AWS's recorded words. */
export function checkExternalOrigin(key: Pick<LoadedKey, 'arn' | 'record'>): void {
  if (key.record.origin !== 'EXTERNAL') throw ImportErrors.originNotValid(key.arn, key.record.origin);
}

/** The material that RSAES-OAEP alone cannot carry, as AWS documents the combinations it refuses. */
function oaepCannotCarry(keySpec: KeySpec, wrappingKeySpec: WrappingKeySpec): boolean {
  return keySpec.startsWith('RSA_') || (keySpec === 'ECC_NIST_P521' && wrappingKeySpec === 'RSA_2048');
}

/**
 * GetParametersForImport's rules on the wrapping choice: SM2 wrapping is for China Regions only; RSAES_PKCS1_V1_5
 * is no longer supported; RSA private keys (and ECC_NIST_P521 keys under an RSA_2048 wrapping key) need an
 * RSA_AES_KEY_WRAP algorithm.
 */
export function checkWrappingChoice(
  key: Pick<LoadedKey, 'kind'>,
  algorithm: AlgorithmSpec,
  wrappingKeySpec: WrappingKeySpec | 'SM2',
): { algorithm: WrappingAlgorithm; wrappingKeySpec: WrappingKeySpec } {
  if (wrappingKeySpec === 'SM2') throw ImportErrors.notInRegion('WrappingKeySpec', wrappingKeySpec);
  if (algorithm === 'SM2PKE') throw ImportErrors.notInRegion('WrappingAlgorithm', algorithm);
  if (algorithm === 'RSAES_PKCS1_V1_5') throw ImportErrors.pkcs1Unsupported();
  if (algorithm.startsWith('RSAES_OAEP') && oaepCannotCarry(key.kind.keySpec, wrappingKeySpec))
    throw ImportErrors.wrappingCannotCarry(algorithm, wrappingKeySpec, key.kind.keySpec);
  return { algorithm, wrappingKeySpec };
}

interface TokenFields {
  keyArn: string;
  algorithm: WrappingAlgorithm;
  wrappingKeySpec: WrappingKeySpec;
  /** Epoch milliseconds. */
  validTo: number;
}

/** u16 length of the fields' JSON | the JSON | the wrapping private key (DER PKCS#8). */
function encodeToken(fields: TokenFields, privateKey: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(fields), 'utf8');
  const length = Buffer.allocUnsafe(2);
  length.writeUInt16BE(json.length, 0);
  return Buffer.concat([length, json, privateKey]);
}

/**
 * A new wrapping key pair and its import token for `key`, valid for 24 hours from `now`. (A wrapping key of
 * 4096 bits takes a second or so to make; the operation may keep a few ready.)
 */
export function importParameters(
  secret: Uint8Array,
  key: Pick<LoadedKey, 'arn'>,
  choice: { algorithm: WrappingAlgorithm; wrappingKeySpec: WrappingKeySpec },
  now: Date,
  wrappingKey = generateWrappingKey(choice.wrappingKeySpec),
): Required<GetParametersForImportResponse> {
  const validTo = now.getTime() + IMPORT_PARAMETERS_VALID_MS;
  const fields: TokenFields = { keyArn: key.arn, ...choice, validTo };
  return {
    KeyId: key.arn,
    ImportToken: sealToken(secret, encodeToken(fields, wrappingKey.privateKey)).toString('base64'),
    PublicKey: wrappingKey.publicKey.toString('base64'),
    ParametersValidTo: validTo / 1000,
  };
}

/**
 * What an ImportKeyMaterial request's token allows: the wrapping algorithm and private key, if the token is
 * kmslab's, is for this key and has not expired (InvalidImportTokenException, ExpiredImportTokenException).
 */
export function openImportToken(
  secret: Uint8Array,
  importToken: string,
  key: Pick<LoadedKey, 'arn'>,
  now: Date,
): { algorithm: WrappingAlgorithm; privateKey: Buffer } {
  const opened = openToken(secret, Buffer.from(importToken, 'base64'));
  if (!opened || opened.length < 2) throw ImportErrors.invalidImportToken();
  const jsonEnd = 2 + opened.readUInt16BE(0);
  const fields = JSON.parse(opened.toString('utf8', 2, jsonEnd)) as TokenFields;
  if (fields.keyArn !== key.arn) throw ImportErrors.invalidImportToken();
  if (now.getTime() > fields.validTo) throw ImportErrors.expiredImportToken();
  return { algorithm: fields.algorithm, privateKey: opened.subarray(jsonEnd) };
}
