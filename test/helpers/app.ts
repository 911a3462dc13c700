/**
 * Builds the real DinhDanh through the composition root, listening on an ephemeral loopback port so the
 * issuer URL, redirects and cookies are what a browser would see.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import supertest from 'supertest';

import { createDinhDanh, type DinhDanh, type DinhDanhOverrides } from '../../src/compose.ts';
import { loadConfig } from '../../src/config/load.ts';
import { startMongo, startRedis, type TestServer } from './servers.ts';

/** One key ring for the whole run: RSA generation is slow and every app may share the same keys. */
export const sharedKeysDir = mkdtempSync(path.join(tmpdir(), 'dinhdanh-test-keys-'));

export interface TestApp {
  dinhdanh: DinhDanh;
  issuer: string;
  server: Server;
  /** A cookie-keeping client, like one browser. */
  agent: () => ReturnType<typeof supertest.agent>;
  close(): Promise<void>;
}

/**
 * `issuerHost: 'localhost'` where the browser must see a domain: WebAuthn refuses an IP address as the
 * relying party ID (WebAuthn L3 §5.1.3). The server listens on the loopback address either way.
 */
export async function startTestApp(environment: Record<string, string> = {}, overrides: DinhDanhOverrides = {}, { issuerHost = '127.0.0.1' } = {}): Promise<TestApp> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${issuerHost}:${port}`;
  const config = loadConfig({
    environment: {
      NODE_ENV: 'test',
      ISSUER: issuer,
      KEYS_DIR: sharedKeysDir,
      // Cheaper hashing keeps the suite fast; production parameters are exercised by the benchmark.
      ARGON2_MEMORY_KIB: '8192',
      ARGON2_PASSES: '1',
      ...environment,
    },
  });
  const dinhdanh = await createDinhDanh(config, overrides);
  server.on('request', dinhdanh.app.callback());
  return {
    dinhdanh,
    issuer,
    server,
    agent: () => supertest.agent(server),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await dinhdanh.close();
    },
  };
}

export type Backend = 'memory' | 'redis-mongo';
export const backends: readonly Backend[] = ['memory', 'redis-mongo'];

export interface BackendTestApp extends TestApp {
  redis?: TestServer;
  mongo?: TestServer;
}

/**
 * The app on the chosen backend. `redis-mongo` starts a real Redis and a real MongoDB-protocol server for
 * this app alone (or uses MONGODB_URI, with a fresh database) and stops them on close.
 */
export async function startTestAppOn(
  backend: Backend,
  suite: Mocha.Context,
  environment: Record<string, string> = {},
  overrides: DinhDanhOverrides = {},
): Promise<BackendTestApp> {
  if (backend === 'memory') return startTestApp(environment, overrides);
  const redis = await startRedis(suite);
  const mongo = await startMongo(suite);
  const app = await startTestApp({
    STORE_BACKEND: 'redis-mongo',
    REDIS_URL: redis.url,
    MONGODB_URI: mongo.url,
    MONGODB_DATABASE: `dinhdanh_test_${randomBytes(4).toString('hex')}`,
    ...environment,
  }, overrides);
  return {
    ...app,
    redis,
    mongo,
    async close() {
      await app.close();
      await redis.stop();
      if (!mongo.external) await mongo.stop();
    },
  };
}
