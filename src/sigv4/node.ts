import { createHash, createHmac } from 'node:crypto';
import { SigV4, type SigV4Crypto } from './index.ts';

export const nodeSigV4Crypto: SigV4Crypto = {
  sha256Hex: (data) => createHash('sha256').update(data).digest('hex'),
  hmacSha256: (key, data) => createHmac('sha256', key).update(data).digest(),
};

export function createNodeSigV4(): SigV4 {
  return new SigV4(nodeSigV4Crypto);
}
