import { startKmslab } from '../helpers/kmslab.ts';
import { kmsClientSuite } from './kms-suite.ts';

kmsClientSuite('kmslab', () => startKmslab(), {
  pagesLists: true,
  keepsRotationPeriod: true,
  checksSignatures: true,
});
