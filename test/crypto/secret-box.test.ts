import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

import { createSecretBox, SecretBoxError } from '../../src/crypto/secret-box.ts';

const key = (id: string) => `${id}:${randomBytes(32).toString('base64url')}`;

describe('secrets at rest (JWE dir + A256GCM with key ids)', () => {
  it('seals with the first key and opens what it sealed, never showing the plaintext', async () => {
    const box = createSecretBox([key('2026-11'), key('2026-01')]);
    const sealed = await box.seal('JBSWY3DPEHPK3PXP');
    assert.ok(!sealed.includes('JBSWY3DPEHPK3PXP'));
    assert.equal(sealed.split('.').length, 5, 'JWE compact serialisation');
    assert.equal(JSON.parse(Buffer.from(sealed.split('.')[0]!, 'base64url').toString()).kid, '2026-11');
    assert.equal(await box.open(sealed), 'JBSWY3DPEHPK3PXP');
    assert.notEqual(await box.seal('JBSWY3DPEHPK3PXP'), sealed, 'a fresh IV every time');
  });

  it('rotates: a new first key still opens secrets sealed with the old one and flags them for re-encryption', async () => {
    const old = key('old');
    const sealedWithOld = await createSecretBox([old]).seal('seed');
    const rotated = createSecretBox([key('new'), old]);
    assert.equal(await rotated.open(sealedWithOld), 'seed');
    assert.equal(rotated.needsReencryption(sealedWithOld), true);
    assert.equal(rotated.needsReencryption(await rotated.seal('seed')), false);
  });

  it('refuses a tampered secret, an unknown key id and garbage with SecretBoxError', async () => {
    const box = createSecretBox([key('k1')]);
    const sealed = await box.seal('seed');
    const parts = sealed.split('.');
    const ciphertext = Buffer.from(parts[3]!, 'base64url');
    ciphertext[0] = ciphertext[0]! ^ 1;
    parts[3] = ciphertext.toString('base64url');
    await assert.rejects(box.open(parts.join('.')), SecretBoxError);
    await assert.rejects(createSecretBox([key('other')]).open(sealed), /not configured/);
    await assert.rejects(box.open('not-a-jwe'), SecretBoxError);
  });

  it('refuses a key that is not 32 bytes', () => {
    assert.throws(() => createSecretBox([`short:${randomBytes(16).toString('base64url')}`]), SecretBoxError);
  });
});
