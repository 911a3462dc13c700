/**
 * `npm run clients`: the CLI as an operator runs it, a separate process writing to the MongoDB a running
 * DinhDanh reads. What it registers works at the provider at once; what it disables or rotates stops working.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';

import type { AuditEvent } from '../../src/audit/audit-log.ts';
import { startTestAppOn, type BackendTestApp } from '../helpers/app.ts';
import { basicAuth, pkcePair, signIn } from '../helpers/login-flow.ts';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const CITIZEN = { personalId: '079195123456', password: 'demo-binh-2026' };
const secretsKeys = `cli-test-1:${randomBytes(32).toString('base64url')}`;

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}
const show = (exit: Exit) => `exit ${exit.code}\nstdout: ${exit.stdout}\nstderr: ${exit.stderr}`;

/** Spawns `node --import tsx src/relying-parties/cli.ts <args>`, as `npm run clients -- <args>` does. */
function runCli(args: string[], environment: Record<string, string>): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/relying-parties/cli.ts', ...args], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), NODE_ENV: 'test', ...environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`clients ${args.join(' ')} did not exit within 20 s\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, 20_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const publicEcJwk = (kid: string) => ({ ...(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kid, alg: 'ES256', use: 'sig' });

const taxPortal = {
  clientId: 'tax-portal',
  name: { vi: 'Cổng thuế điện tử', en: 'Electronic tax portal' },
  profile: 'portal',
  redirectUris: ['https://thue.example.gov.vn/callback'],
  postLogoutRedirectUris: ['https://thue.example.gov.vn/'],
  allowedScopes: ['openid', 'profile'],
  minimumLevel: 1,
  tokenEndpointAuthMethod: 'client_secret_basic',
};
const bank = {
  clientId: 'registry-test-bank',
  name: { vi: 'Ngân hàng mẫu', en: 'Example bank' },
  profile: 'bank',
  redirectUris: ['https://ebank.example.vn/oidc/callback'],
  allowedScopes: ['openid', 'profile', 'phone'],
  minimumLevel: 2,
  tokenEndpointAuthMethod: 'private_key_jwt',
  jwks: { keys: [publicEcJwk('bank-2026-01')] },
};

describe('relying-party CLI (npm run clients) against the MongoDB of a running DinhDanh', function () {
  this.timeout(60_000);
  let app: BackendTestApp;
  let environment: Record<string, string>;
  let dir: string;
  let taxSecret: string;
  const file = (name: string, content: unknown) => {
    const target = path.join(dir, name);
    writeFileSync(target, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return target;
  };
  const clients = (...args: string[]) => runCli(args, environment);
  const auditOf = async (type: AuditEvent['type'], clientId: string) => (await app.dinhdanh.stores.audit.list({ type })).filter((event) => event.clientId === clientId);
  const authorizationRequest = (clientId: string, redirectUri: string) =>
    app.agent().get('/auth').query({ client_id: clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'openid', code_challenge: pkcePair().challenge, code_challenge_method: 'S256', state: 'st' });
  const tokenRequest = (clientId: string, secret: string) =>
    app
      .agent()
      .post('/token')
      .set('authorization', basicAuth(clientId, secret))
      .type('form')
      .send({ grant_type: 'authorization_code', code: 'not-a-code', redirect_uri: taxPortal.redirectUris[0], code_verifier: pkcePair().verifier });

  before(async function () {
    app = await startTestAppOn('redis-mongo', this, { SECRETS_KEYS: secretsKeys });
    const { mongodb } = app.dinhdanh.config;
    environment = { STORE_BACKEND: 'redis-mongo', MONGODB_URI: mongodb.uri, MONGODB_DATABASE: mongodb.database, SECRETS_KEYS: secretsKeys };
    dir = mkdtempSync(path.join(os.tmpdir(), 'dinhdanh-clients-'));
  });
  after(async () => {
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('add: registers a portal, prints its secret once, audits who did it, and the portal signs citizens in at once', async () => {
    const exit = await clients('add', '--file', file('tax-portal.json', taxPortal));
    assert.equal(exit.code, 0, show(exit));
    assert.match(exit.stdout, /^registered tax-portal \(portal, level 1, client_secret_basic\)$/m);
    const secrets = [...exit.stdout.matchAll(/^ {2}([A-Za-z0-9_-]{43})$/gm)].map((match) => match[1]!);
    assert.equal(secrets.length, 1, show(exit));
    taxSecret = secrets[0]!;

    const [registered] = await auditOf('client.registered', 'tax-portal');
    assert.ok(registered, 'client.registered recorded');
    assert.deepEqual(registered.details, { by: 'cli', user: os.userInfo().username, profile: 'portal', tokenEndpointAuthMethod: 'client_secret_basic', minimumLevel: 1 });
    assert.doesNotMatch(JSON.stringify(registered), new RegExp(taxSecret));

    const agent = app.agent();
    const { code, pkce } = await signIn(app, agent, CITIZEN.personalId, CITIZEN.password, { clientId: 'tax-portal', redirectUri: taxPortal.redirectUris[0], scope: 'openid profile' });
    assert.ok(code, 'the portal receives a code');
    const tokens = await agent
      .post('/token')
      .set('authorization', basicAuth('tax-portal', taxSecret))
      .type('form')
      .send({ grant_type: 'authorization_code', code, redirect_uri: taxPortal.redirectUris[0], code_verifier: pkce.verifier });
    assert.equal(tokens.status, 200, tokens.text);
    assert.ok(tokens.body.id_token);
  });

  it('keeps the secret only encrypted in MongoDB', async () => {
    const client = new MongoClient(app.dinhdanh.config.mongodb.uri);
    try {
      const raw = await client.db(app.dinhdanh.config.mongodb.database).collection('relying_parties').findOne({ _id: 'tax-portal' as never });
      assert.ok(raw?.sealedClientSecret);
      assert.doesNotMatch(JSON.stringify(raw), new RegExp(taxSecret));
    } finally {
      await client.close();
    }
  });

  it('add: refuses a file with problems with exit code 2 and one line per problem, storing nothing', async () => {
    const broken = {
      ...taxPortal,
      clientId: 'broken-portal',
      redirectUris: ['https://*.example.gov.vn/callback', 'http://localhost/callback'],
      allowedScopes: ['openid', 'email'],
      minimumLevel: 2,
      clientSecret: 'my-own-secret',
    };
    const exit = await clients('add', '--file', file('broken.json', broken));
    assert.equal(exit.code, 2, show(exit));
    for (const expected of [
      /^ {2}- redirectUris\[0\]: .*wildcard/m,
      /^ {2}- allowedScopes\[1\]: "email" is not a scope DinhDanh serves/m,
      /^ {2}- clientSecret: is generated by DinhDanh/m,
    ]) {
      assert.match(exit.stderr, expected, show(exit));
    }
    assert.equal(await app.dinhdanh.stores.relyingParties.findByClientId('broken-portal'), undefined);

    const crossField = await clients('add', '--file', file('cross.json', { ...taxPortal, clientId: 'level-2-basic', minimumLevel: 2, redirectUris: ['http://localhost/callback'] }));
    assert.equal(crossField.code, 2, show(crossField));
    assert.match(crossField.stderr, /redirectUris\[0\]: .*loopback address, allowed only for native apps/);
    assert.match(crossField.stderr, /tokenEndpointAuthMethod: "client_secret_basic" is allowed only for a level-1 portal/);

    for (const [name, content, expected] of [
      ['not-json.json', '{ "clientId": ', /--file .*not-json\.json: is not JSON/],
      ['missing.json', undefined, /--file .*missing\.json: cannot be read \(ENOENT\)/],
    ] as const) {
      const target = content === undefined ? path.join(dir, name) : file(name, content);
      const refused = await clients('add', '--file', target);
      assert.equal(refused.code, 2, show(refused));
      assert.match(refused.stderr, expected);
    }
    const duplicate = await clients('add', '--file', path.join(dir, 'tax-portal.json'));
    assert.equal(duplicate.code, 2, show(duplicate));
    assert.match(duplicate.stderr, /clientId: "tax-portal" is already registered/);
  });

  it('list: every relying party with its profile, level, authentication and status', async () => {
    const exit = await clients('list');
    assert.equal(exit.code, 0, show(exit));
    const lines = exit.stdout.trim().split('\n');
    assert.match(lines[0]!, /^CLIENT ID\s+PROFILE\s+LEVEL\s+AUTHENTICATION\s+STATUS\s+NAME$/);
    const ids = lines.slice(1).map((line) => line.split(/\s+/)[0]!);
    assert.deepEqual(ids, [...ids].sort(), 'in client-id order');
    for (const clientId of ['demo-portal', 'dinhdanh-account', 'tax-portal']) assert.ok(ids.includes(clientId), `${clientId} listed`);
    assert.ok(!ids.includes('broken-portal'));
    assert.match(exit.stdout, /^tax-portal\s+portal\s+1\s+client_secret_basic\s+enabled\s+Electronic tax portal$/m);
  });

  it('show: the registration, and never the secret', async () => {
    const exit = await clients('show', 'tax-portal');
    assert.equal(exit.code, 0, show(exit));
    assert.match(exit.stdout, /^client secret: {2}set \(never shown/m);
    assert.match(exit.stdout, /"redirectUris": \[\s+"https:\/\/thue\.example\.gov\.vn\/callback"/);
    assert.match(exit.stdout, /"sectorIdentifier": "thue\.example\.gov\.vn"/);
    assert.ok(!exit.stdout.includes(taxSecret) && !exit.stderr.includes(taxSecret), 'the secret is not printed');
    assert.doesNotMatch(exit.stdout, /sealed|clientSecret"/);

    const unknown = await clients('show', 'no-such-portal');
    assert.equal(unknown.code, 2, show(unknown));
    assert.match(unknown.stderr, /clientId: no relying party "no-such-portal" is registered/);
  });

  it('disable: the running provider answers the client with invalid_client at once; enable restores it', async () => {
    assert.equal((await authorizationRequest('tax-portal', taxPortal.redirectUris[0]!)).status, 303);

    const exit = await clients('disable', 'tax-portal');
    assert.equal(exit.code, 0, show(exit));
    const refused = await authorizationRequest('tax-portal', taxPortal.redirectUris[0]!);
    assert.equal(refused.status, 400);
    assert.ok(refused.text.includes('<code>invalid_client</code>'), refused.text.slice(0, 500));
    assert.equal((await tokenRequest('tax-portal', taxSecret)).body.error, 'invalid_client');
    assert.match((await clients('list')).stdout, /^tax-portal\s.*\sdisabled\s/m);

    const again = await clients('disable', 'tax-portal');
    assert.equal(again.code, 0, show(again));
    assert.match(again.stdout, /already disabled/);
    const disabledEvents = await auditOf('client.disabled', 'tax-portal');
    assert.equal(disabledEvents.length, 1, 'a repeated disable changes nothing and records nothing');
    assert.equal(disabledEvents[0]!.details?.by, 'cli');

    const enabled = await clients('enable', 'tax-portal');
    assert.equal(enabled.code, 0, show(enabled));
    assert.equal((await authorizationRequest('tax-portal', taxPortal.redirectUris[0]!)).status, 303);
    assert.ok((await auditOf('client.updated', 'tax-portal')).some((event) => event.details?.change === 'enabled'));
  });

  it('rotate-secret: prints a new secret once; the old one is refused at /token, the new one accepted', async () => {
    const exit = await clients('rotate-secret', 'tax-portal');
    assert.equal(exit.code, 0, show(exit));
    const [newSecret] = [...exit.stdout.matchAll(/^ {2}([A-Za-z0-9_-]{43})$/gm)].map((match) => match[1]!);
    assert.ok(newSecret && newSecret !== taxSecret, show(exit));

    const old = await tokenRequest('tax-portal', taxSecret);
    assert.equal(old.status, 401);
    assert.equal(old.body.error, 'invalid_client');
    // Authenticated, so the (made-up) code is what fails now.
    const current = await tokenRequest('tax-portal', newSecret);
    assert.equal(current.status, 400, current.text);
    assert.equal(current.body.error, 'invalid_grant');

    const [rotated] = await auditOf('client.secret_rotated', 'tax-portal');
    assert.equal(rotated?.details?.by, 'cli');
    assert.doesNotMatch(JSON.stringify(rotated), new RegExp(newSecret));
    taxSecret = newSecret;
  });

  it('set-keys: replaces a bank’s public keys; refuses private keys and a client without private_key_jwt', async () => {
    const added = await clients('add', '--file', file('bank.json', bank));
    assert.equal(added.code, 0, show(added));
    assert.doesNotMatch(added.stdout, /client_secret/, 'private_key_jwt: no secret is generated');

    const exit = await clients('set-keys', 'registry-test-bank', '--jwks', file('bank-keys.json', { keys: [publicEcJwk('bank-2026-07')] }));
    assert.equal(exit.code, 0, show(exit));
    const stored = await app.dinhdanh.stores.relyingParties.findByClientId('registry-test-bank');
    assert.deepEqual(stored!.jwks!.keys.map((key) => key.kid), ['bank-2026-07']);
    assert.ok((await auditOf('client.updated', 'registry-test-bank')).some((event) => event.details?.change === 'keys'));

    const privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    const refused = await clients('set-keys', 'registry-test-bank', '--jwks', file('private.json', { keys: [{ ...privateKey, kid: 'oops' }] }));
    assert.equal(refused.code, 2, show(refused));
    assert.match(refused.stderr, /jwks\.keys\[0\]: contains private key material \("d"\)/);
    assert.deepEqual((await app.dinhdanh.stores.relyingParties.findByClientId('registry-test-bank'))!.jwks!.keys.map((key) => key.kid), ['bank-2026-07']);

    const wrongClient = await clients('set-keys', 'tax-portal', '--jwks', path.join(dir, 'bank-keys.json'));
    assert.equal(wrongClient.code, 2, show(wrongClient));
    assert.match(wrongClient.stderr, /jwks: is used only with "private_key_jwt", not "client_secret_basic"/);

    const noSecret = await clients('rotate-secret', 'registry-test-bank');
    assert.equal(noSecret.code, 2, show(noSecret));
    assert.match(noSecret.stderr, /authenticates with "private_key_jwt" and has no secret to rotate/);
  });

  it('update: replaces the registration from a file, but never the sector of its pairwise identifiers', async () => {
    const moreUris = { ...taxPortal, redirectUris: [...taxPortal.redirectUris, 'https://thue.example.gov.vn/callback-2'] };
    const exit = await clients('update', 'tax-portal', '--file', file('tax-portal-2.json', moreUris));
    assert.equal(exit.code, 0, show(exit));
    assert.doesNotMatch(exit.stdout, /client_secret/, 'the secret is kept, not reissued');
    assert.equal((await authorizationRequest('tax-portal', 'https://thue.example.gov.vn/callback-2')).status, 303);
    assert.equal((await tokenRequest('tax-portal', taxSecret)).body.error, 'invalid_grant', 'the secret still authenticates');
    assert.ok((await auditOf('client.updated', 'tax-portal')).some((event) => event.details?.fields === 'redirectUris'));

    const moved = await clients('update', 'tax-portal', '--file', file('tax-portal-3.json', { ...moreUris, sectorIdentifier: 'other.example.gov.vn' }));
    assert.equal(moved.code, 2, show(moved));
    assert.match(moved.stderr, /sectorIdentifier: stays "thue\.example\.gov\.vn"/);
  });

  it("refuses to change DinhDanh's own clients, which are defined in code", async () => {
    for (const args of [['disable', 'dinhdanh-account'], ['rotate-secret', 'dinhdanh-account']]) {
      const exit = await clients(...args);
      assert.equal(exit.code, 2, show(exit));
      assert.match(exit.stderr, /"dinhdanh-account" is DinhDanh's own client, defined in code/);
    }
    assert.equal((await app.dinhdanh.stores.relyingParties.findByClientId('dinhdanh-account'))!.disabled, false);
    assert.equal((await clients('show', 'dinhdanh-account')).code, 0, 'but shows them');
  });

  it('answers usage mistakes with exit code 2, and an unreachable MongoDB with exit code 1', async () => {
    for (const args of [['frobnicate'], ['disable'], ['add'], ['set-keys', 'registry-test-bank']]) {
      const exit = await clients(...args);
      assert.equal(exit.code, 2, `${args.join(' ')}: ${show(exit)}`);
      assert.match(exit.stderr, /^clients: refused, nothing was changed:\n {2}- /, show(exit));
    }
    const down = await runCli(['list'], { ...environment, MONGODB_URI: 'mongodb://127.0.0.1:1/', MONGODB_TIMEOUT_MS: '300' });
    assert.equal(down.code, 1, show(down));
    assert.match(down.stderr, /^clients: /m);
  });

  it('says that the embedded memory backend keeps nothing, since the CLI is a process of its own', async () => {
    const exit = await runCli(['add', '--file', path.join(dir, 'bank.json')], { STORE_BACKEND: 'memory' });
    assert.equal(exit.code, 0, show(exit));
    assert.match(exit.stderr, /STORE_BACKEND is memory: .*every change is lost when it exits/);
    assert.match(exit.stderr, /nothing was stored/);
  });
});
