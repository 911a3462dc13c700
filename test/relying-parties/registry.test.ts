/**
 * The registry's operations on the memory stores (the CLI test drives the same code over MongoDB): what a
 * change does to the secret, the keys and the pairwise sector, and what the audit log records.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';

import { createRelyingPartyRegistry, RelyingPartyInputError, type Actor } from '../../src/relying-parties/registry.ts';
import { MemoryAuditLog } from '../../src/stores/memory/audit-log.ts';
import { MemoryRelyingPartyStore } from '../../src/stores/memory/relying-parties.ts';

const operator: Actor = { by: 'cli', user: 'operator-an' };
const ecKey = { ...(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kid: 'k1' };
const registration = (changes: Record<string, unknown> = {}) => ({
  clientId: 'land-portal',
  name: { vi: 'Cổng đất đai', en: 'Land portal' },
  profile: 'portal',
  redirectUris: ['https://datdai.example.gov.vn/cb'],
  allowedScopes: ['openid', 'address'],
  minimumLevel: 1,
  jwks: { keys: [ecKey] },
  ...changes,
});

async function refusedWith(promise: Promise<unknown>, expected: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof RelyingPartyInputError, String(error));
    assert.ok(error.problems.some((problem) => expected.test(problem)), error.problems.join('\n'));
    return true;
  });
}

describe('relying-party registry', () => {
  let store: MemoryRelyingPartyStore;
  let audit: MemoryAuditLog;
  let registry: ReturnType<typeof createRelyingPartyRegistry>;
  beforeEach(async () => {
    store = new MemoryRelyingPartyStore();
    audit = new MemoryAuditLog();
    registry = createRelyingPartyRegistry({ store, audit, rules: { production: true } });
    await registry.register(registration(), operator);
  });

  it('registers enabled, without a secret for private_key_jwt, and audits who did it', async () => {
    const stored = (await store.findByClientId('land-portal'))!;
    assert.equal(stored.disabled, false);
    assert.equal(stored.clientSecret, undefined);
    const [event] = await audit.list({ type: 'client.registered' });
    assert.deepEqual(event!.details, { by: 'cli', user: 'operator-an', profile: 'portal', tokenEndpointAuthMethod: 'private_key_jwt', minimumLevel: 1 });
  });

  it('update: generates a secret when the method becomes client_secret_basic, and drops it (and the keys) when it stops', async () => {
    const toSecret = await registry.update('land-portal', registration({ tokenEndpointAuthMethod: 'client_secret_basic', jwks: undefined }), operator);
    assert.match(toSecret.clientSecret!, /^[A-Za-z0-9_-]{43}$/);
    assert.equal((await store.findByClientId('land-portal'))!.clientSecret, toSecret.clientSecret);
    assert.equal('jwks' in (await store.findByClientId('land-portal'))!, false, 'the file replaces the record: keys it omits are gone');

    const kept = await registry.update('land-portal', registration({ tokenEndpointAuthMethod: 'client_secret_basic', jwks: undefined, logoUri: 'https://datdai.example.gov.vn/logo.png' }), operator);
    assert.equal(kept.clientSecret, undefined, 'an existing secret is kept, not reissued');
    assert.equal((await store.findByClientId('land-portal'))!.clientSecret, toSecret.clientSecret);

    await registry.update('land-portal', registration(), operator);
    const back = (await store.findByClientId('land-portal'))!;
    assert.equal('clientSecret' in back, false);
    assert.equal('logoUri' in back, false);
    const fields = (await audit.list({ type: 'client.updated' })).map((event) => event.details?.fields).reverse();
    assert.deepEqual(fields, ['tokenEndpointAuthMethod,jwks', 'logoUri', 'tokenEndpointAuthMethod,jwks,logoUri'], 'each change names the fields it changed');
  });

  it('update: keeps the subject type and sector, refuses to change them, and refuses a file for another client', async () => {
    await refusedWith(registry.update('land-portal', registration({ sectorIdentifier: 'other.example.gov.vn' }), operator), /^sectorIdentifier: stays "datdai\.example\.gov\.vn"/);
    await refusedWith(registry.update('land-portal', registration({ subjectType: 'public' }), operator), /^subjectType: stays "pairwise"/);
    await refusedWith(registry.update('land-portal', registration({ clientId: 'other-portal' }), operator), /^clientId: the file is for "other-portal", not "land-portal"/);
    // A redirect URI on another host is accepted: the sector registered for the portal stays its own.
    await registry.update('land-portal', registration({ redirectUris: ['https://datdai.example.gov.vn/cb', 'https://m.datdai.example.gov.vn/cb'] }), operator);
    assert.equal((await store.findByClientId('land-portal'))!.sectorIdentifier, 'datdai.example.gov.vn');
  });

  it('update and set-keys validate the record as it would become', async () => {
    await refusedWith(registry.update('land-portal', registration({ minimumLevel: 2, tokenEndpointAuthMethod: 'client_secret_basic', jwks: undefined }), operator), /only for a level-1 portal/);
    await refusedWith(registry.setKeys('land-portal', { jwksUri: 'http://datdai.example.gov.vn/jwks' }, operator), /^jwksUri: must be an https URI$/);
    const byUri = await registry.setKeys('land-portal', { jwksUri: 'https://datdai.example.gov.vn/jwks' }, operator);
    assert.equal(byUri.jwksUri, 'https://datdai.example.gov.vn/jwks');
    assert.equal('jwks' in byUri, false, 'jwks and jwksUri never both');
    const [event] = await audit.list({ type: 'client.updated' });
    assert.deepEqual(event!.details, { change: 'keys', jwksUri: 'https://datdai.example.gov.vn/jwks', by: 'cli', user: 'operator-an' });
  });

  it('refuses changes to an unknown client id as bad input', async () => {
    for (const attempt of [registry.disable('nope', operator), registry.enable('nope', operator), registry.rotateSecret('nope', operator), registry.update('nope', registration(), operator)]) {
      await refusedWith(attempt, /^clientId: no relying party "nope" is registered/);
    }
  });
});
