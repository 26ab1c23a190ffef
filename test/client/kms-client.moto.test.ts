import { startMoto } from '../helpers/moto.ts';
import { kmsClientSuite } from './kms-suite.ts';

kmsClientSuite(
  'moto_server',
  async () => ({
    ...(await startMoto()),
    region: 'us-east-1',
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'moto-does-not-check-signatures',
  }),
  { pagesLists: false, keepsRotationPeriod: false, checksSignatures: false },
);
