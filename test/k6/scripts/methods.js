// The full bundle's methods beyond the jslib, and paginate() driven by next() (k6 has no for await), inside the
// k6 sandbox against a real KMS. ASYMMETRIC=1 adds signing, MACs and grants, which only moto has here.
import { check } from 'k6';
import { b64decode } from 'k6/encoding';
import { AWSConfig, KMSClient } from '../../../dist/k6/kms.js';

export const options = { vus: 1, iterations: 1 };

const kms = new KMSClient(AWSConfig.fromEnvironment(), { maxAttempts: 1 });

/** Every page, by calling next() until done. */
async function allPages(pages) {
  const all = [];
  for (let page = await pages.next(); !page.done; page = await pages.next()) all.push(page.value);
  return all;
}

async function symmetric() {
  const source = await kms.createKey({ Description: 'k6 methods: source' });
  const destination = await kms.createKey({ Description: 'k6 methods: destination' });
  const aliases = ['alias/k6-methods-1', 'alias/k6-methods-2', 'alias/k6-methods-3'];
  for (const alias of aliases) await kms.createAlias(alias, destination.KeyId);

  const pages = await allPages(kms.paginate('ListAliases', { KeyId: destination.KeyId, Limit: 1 }));
  check(pages, {
    'paginate ListAliases: every alias, in order': (p) =>
      p.flatMap((page) => page.Aliases.map((a) => a.AliasName)).join() === aliases.join(),
  });
  const listed = await kms.listAliases({ keyId: destination.KeyId });
  check(listed, {
    'listAliases: camelCase entries': (l) => l.length === 3 && l[0].targetKeyId === destination.KeyId,
  });

  const encrypted = await kms.encrypt(source.KeyId, 'k6', { encryptionContext: { step: '1' } });
  const moved = await kms.reEncrypt(encrypted.ciphertextBlob, destination.KeyId, {
    sourceEncryptionContext: { step: '1' },
  });
  const decrypted = await kms.decrypt(moved.ciphertextBlob);
  check(moved, {
    'reEncrypt: under the destination key': (m) =>
      m.keyId === destination.Arn && m.sourceKeyId === source.Arn,
    'reEncrypt: decrypts to the plaintext': () => decrypted.plaintext === 'azY=',
  });

  const random = await kms.generateRandom(48);
  check(random, { 'generateRandom: 48 bytes': (r) => b64decode(r).byteLength === 48 });

  await kms.enableKeyRotation(source.KeyId, 90);
  const rotation = await kms.send('GetKeyRotationStatus', { KeyId: source.KeyId });
  check(rotation, { 'enableKeyRotation: on': (r) => r.KeyRotationEnabled === true });
  const deletion = await kms.scheduleKeyDeletion(source.KeyId, 7);
  check(deletion, { 'scheduleKeyDeletion: a date in the future': (d) => d.deletionDate > Date.now() / 1000 });
}

async function asymmetric() {
  const signing = await kms.createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
  const signed = await kms.sign(signing.KeyId, 'from k6', 'ECDSA_SHA_256');
  const publicKey = await kms.getPublicKey(signing.KeyId);
  const valid = await kms.verify(signing.KeyId, 'from k6', signed.signature, 'ECDSA_SHA_256');
  const tampered = await kms.verify(signing.KeyId, 'from k7', signed.signature, 'ECDSA_SHA_256');
  check(signed, { 'sign: an ECDSA_SHA_256 signature': (s) => s.signingAlgorithm === 'ECDSA_SHA_256' });
  check(publicKey, {
    'getPublicKey: SIGN_VERIFY key': (p) => p.keyUsage === 'SIGN_VERIFY' && p.publicKey !== '',
  });
  check(valid, { 'verify: true for the message': (v) => v === true });
  check(tampered, { 'verify: false for another message': (v) => v === false });

  const hmacKey = await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
  const mac = await kms.generateMac(hmacKey.KeyId, 'from k6', 'HMAC_SHA_256');
  check(mac, { 'generateMac: 32 bytes': (m) => b64decode(m.mac).byteLength === 32 });
  check(await kms.verifyMac(hmacKey.KeyId, 'from k6', mac.mac, 'HMAC_SHA_256'), {
    'verifyMac: true for the message': (v) => v === true,
  });

  const grant = await kms.createGrant(hmacKey.KeyId, 'arn:aws:iam::123456789012:role/k6', ['GenerateMac']);
  const grants = await allPages(kms.paginate('ListGrants', { KeyId: hmacKey.KeyId }));
  check(grants, {
    'createGrant: ListGrants pages show it': (p) =>
      p.some((page) => page.Grants.some((g) => g.GrantId === grant.grantId)),
  });
}

export default async function () {
  await symmetric();
  if (__ENV.ASYMMETRIC === '1') await asymmetric();
}
