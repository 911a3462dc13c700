/**
 * Two provider processes behind one issuer, sharing one Redis and one MongoDB: whatever process a request
 * lands on, the login continues and one-time artifacts stay one-time.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { MongoClient } from 'mongodb';

import { loadConfig } from '../../src/config/load.ts';
import { createSecretBox } from '../../src/crypto/secret-box.ts';
import { MongoRelyingPartyStore } from '../../src/stores/mongo/relying-parties.ts';
import { sharedKeysDir } from '../helpers/app.ts';
import { browserFetch, CookieJar, formBody } from '../helpers/http-client.ts';
import { csrfFrom, pkcePair } from '../helpers/login-flow.ts';
import { startMongo, startRedis, type TestServer } from '../helpers/servers.ts';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitUntilReady(url: string, process: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (process.exitCode !== null) throw new Error(`provider exited (${process.exitCode}):\n${output()}`);
    try {
      if ((await fetch(`${url}/health/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`provider at ${url} not ready within 30 s:\n${output()}`);
}

describe('two provider processes sharing Redis and MongoDB', function () {
  let redis: TestServer;
  let mongo: TestServer;
  const processes: ChildProcess[] = [];
  let issuer: string;
  let urlA: string;
  let urlB: string;
  let clientSecret: string;

  before(async function () {
    this.timeout(90_000);
    redis = await startRedis(this);
    mongo = await startMongo(this);
    const database = `dinhdanh_two_${randomBytes(4).toString('hex')}`;
    const [portA, portB] = [await freePort(), await freePort()];
    issuer = `http://127.0.0.1:${portA}`;
    urlA = issuer;
    urlB = `http://127.0.0.1:${portB}`;
    const environment = {
      ...process.env,
      NODE_ENV: 'test',
      ISSUER: issuer, // one public issuer; B plays the second replica behind the same load balancer
      STORE_BACKEND: 'redis-mongo',
      REDIS_URL: redis.url,
      MONGODB_URI: mongo.url,
      MONGODB_DATABASE: database,
      KEYS_DIR: sharedKeysDir,
      ARGON2_MEMORY_KIB: '8192',
      ARGON2_PASSES: '1',
    };
    // A first: it generates the development keys B then reads, and seeds the demo data once.
    for (const [port, url] of [[portA, urlA], [portB, urlB]] as const) {
      let output = '';
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...environment, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
      processes.push(child);
      await waitUntilReady(url, child, () => output);
    }
    // Both processes share the portal registered once in MongoDB (the banner of each shows the same secret),
    // its secret sealed with the secrets key both processes were configured with.
    const client = new MongoClient(mongo.url);
    const secrets = createSecretBox(loadConfig({ environment }).secrets.keys);
    const portal = await new MongoRelyingPartyStore(client.db(database), secrets).findByClientId('demo-portal');
    await client.close();
    clientSecret = portal!.clientSecret!;
  });

  after(async () => {
    for (const child of processes) child.kill('SIGTERM');
    await Promise.all(processes.map((child) => (child.exitCode !== null ? undefined : new Promise((resolve) => child.once('exit', resolve)))));
    await redis?.stop();
    if (mongo && !mongo.external) await mongo.stop();
  });

  /** Requests alternate between the replicas: every hop lands on the other process. */
  it('completes a login started on process A on process B, and refuses on B a refresh token rotated on A', async () => {
    const jar = new CookieJar();
    const pkce = pkcePair();
    const redirectUri = `${issuer}/demo/callback`;
    const query = new URLSearchParams({
      client_id: 'demo-portal',
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid offline_access',
      prompt: 'consent',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      state: 'two-processes',
    });
    const start = await browserFetch(jar, `${urlA}/auth?${query}`);
    assert.equal(start.status, 303, await start.clone().text());
    const interactionPath = new URL(start.headers.get('location')!, issuer).pathname;

    const loginPage = await browserFetch(jar, `${urlB}${interactionPath}`);
    assert.equal(loginPage.status, 200, 'B knows the interaction A started');
    const login = await browserFetch(jar, `${urlB}${interactionPath}/login`, formBody({ personalId: '079195123456', password: 'demo-binh-2026', csrf: csrfFrom(await loginPage.text()) }));
    assert.equal(login.status, 303);

    const resume = await browserFetch(jar, `${urlA}${new URL(login.headers.get('location')!, issuer).pathname}`);
    assert.equal(resume.status, 303);
    const consentPath = new URL(resume.headers.get('location')!, issuer).pathname;
    const consentPage = await browserFetch(jar, `${urlB}${consentPath}`);
    assert.match(await consentPage.clone().text(), /Chia sẻ thông tin/);
    const consent = await browserFetch(jar, `${urlB}${consentPath}/consent`, formBody({ csrf: csrfFrom(await consentPage.text()) }));
    const finish = await browserFetch(jar, `${urlA}${new URL(consent.headers.get('location')!, issuer).pathname}`);
    const callback = new URL(finish.headers.get('location')!);
    assert.equal(`${callback.origin}${callback.pathname}`, redirectUri);
    const code = callback.searchParams.get('code')!;

    const basic = `Basic ${Buffer.from(`demo-portal:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
    const tokenRequest = (url: string, fields: Record<string, string>) =>
      fetch(`${url}/token`, { ...formBody(fields), headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic } });

    const tokens = await tokenRequest(urlB, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: pkce.verifier });
    assert.equal(tokens.status, 200, await tokens.clone().text());
    const { refresh_token: firstRefresh } = (await tokens.json()) as { refresh_token: string };
    const rotated = await tokenRequest(urlA, { grant_type: 'refresh_token', refresh_token: firstRefresh });
    assert.equal(rotated.status, 200, await rotated.clone().text());
    const reuseOnB = await tokenRequest(urlB, { grant_type: 'refresh_token', refresh_token: firstRefresh });
    assert.equal(reuseOnB.status, 400);
    assert.equal(((await reuseOnB.json()) as { error: string }).error, 'invalid_grant');

    const codeReplayOnA = await tokenRequest(urlA, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: pkce.verifier });
    assert.equal(((await codeReplayOnA.json()) as { error: string }).error, 'invalid_grant', 'a code used on B is spent on A');
  });
});
