/**
 * Real servers for the store tests, each a fresh process on an ephemeral loopback port with its data in a
 * fresh temp dir:
 *  - Redis: Debian's `redis-server` (REDIS_SERVER_BIN, else `redis-server` on PATH), without persistence,
 *    so a restart loses the data like the crash of a cache.
 *  - MongoDB: FerretDB v1 (MongoDB wire protocol on SQLite) built by scripts/install-test-servers.sh
 *    (FERRETDB_BIN, else .tools/bin/ferretdb, else `ferretdb` on PATH); a restart keeps the data. When
 *    MONGODB_URI is set, that server is used instead and cannot be stopped or restarted.
 *
 * A missing binary skips the calling suite (recorded for the end-of-run report in skip-report.ts), except
 * under CI=true, where it is an error: CI must install the servers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, rmSync, statSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

import { recordSkip } from './skip-report.ts';

export interface TestServer {
  readonly url: string;
  /** true when MONGODB_URI pointed at a server we do not control */
  readonly external: boolean;
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
}

export const installCommand = 'bash scripts/install-test-servers.sh';

const host = '127.0.0.1';
const readyTimeoutMs = 15_000;
const killAfterMs = 3_000;
const outputTailBytes = 16 * 1024;
const repoRoot = path.resolve(import.meta.dirname, '..', '..');

export async function startRedis(suite: Mocha.Context): Promise<TestServer> {
  const binary = findBinary(suite, {
    name: 'redis-server',
    envVar: 'REDIS_SERVER_BIN',
    candidates: [],
    onPath: 'redis-server',
  });
  return startManaged({
    name: 'redis-server',
    binary,
    scheme: 'redis',
    args: (port, dir) => [
      '--port', String(port),
      '--bind', host,
      '--save', '',
      '--appendonly', 'no',
      '--dir', dir,
      '--daemonize', 'no',
      '--loglevel', 'warning',
      '--logfile', '',
    ],
    probe: redisPing,
  });
}

export async function startMongo(suite: Mocha.Context): Promise<TestServer> {
  const external = process.env.MONGODB_URI;
  if (external) return externalMongo(external);
  const binary = findBinary(suite, {
    name: 'ferretdb',
    envVar: 'FERRETDB_BIN',
    candidates: [path.join(repoRoot, '.tools', 'bin', 'ferretdb')],
    onPath: 'ferretdb',
  });
  return startManaged({
    name: 'FerretDB',
    binary,
    scheme: 'mongodb',
    prepare: async (dir) => {
      await mkdir(path.join(dir, 'data'));
      await mkdir(path.join(dir, 'state'));
    },
    args: (port, dir) => [
      '--handler=sqlite',
      // A directory URI: FerretDB keeps one SQLite file per database in it (the trailing slash is required).
      `--sqlite-url=${pathToFileURL(path.join(dir, 'data')).href}/`,
      `--state-dir=${path.join(dir, 'state')}`,
      `--listen-addr=${host}:${port}`,
      // The debug HTTP listener defaults to the fixed port 8088, which parallel servers would fight over.
      '--debug-addr=-',
      '--telemetry=disable',
      (process.env.FERRETDB_LOG_LEVEL ? `--log-level=${process.env.FERRETDB_LOG_LEVEL}` : '--log-level=warn'),
    ],
    env: { DO_NOT_TRACK: '1' },
    probe: mongoPing,
  });
}

// ---------------------------------------------------------------------------------------------------------
// Binary lookup and the skip/fail policy.

interface BinarySpec {
  name: string;
  envVar: string;
  candidates: string[];
  onPath: string;
}

function findBinary(suite: Mocha.Context, spec: BinarySpec): string {
  const fromEnv = process.env[spec.envVar];
  // An explicit override is the only place looked at: a wrong one must not silently fall back.
  if (fromEnv) {
    if (isExecutable(fromEnv)) return fromEnv;
    missingBinary(suite, `${spec.name} not found at ${spec.envVar}=${fromEnv}`);
  }
  for (const candidate of spec.candidates) if (isExecutable(candidate)) return candidate;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, spec.onPath);
    if (isExecutable(candidate)) return candidate;
  }
  const looked = [`$${spec.envVar}`, ...spec.candidates.map((c) => path.relative(repoRoot, c)), `${spec.onPath} on PATH`];
  missingBinary(suite, `${spec.name} not found (looked at ${looked.join(', ')})`);
}

function missingBinary(suite: Mocha.Context, message: string): never {
  if (process.env.CI === 'true') {
    throw new Error(`${message}: CI must install it with \`${installCommand}\` before running the tests`);
  }
  recordSkip(suite, message, installCommand);
  console.warn(`  SKIPPED: ${message}; install it with \`${installCommand}\``);
  suite.skip();
}

function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Processes this test run started, killed when it exits however it exits.

const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let exitHandlerInstalled = false;

function killEverything(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
  tempDirs.clear();
}

function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on('exit', killEverything);
  // Signals that end the process skip 'exit' handlers: kill the servers, then let the signal do its job.
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killEverything();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

// ---------------------------------------------------------------------------------------------------------
// A server process this test run controls.

interface ManagedSpec {
  name: string;
  binary: string;
  scheme: 'redis' | 'mongodb';
  args(port: number, dir: string): string[];
  prepare?(dir: string): Promise<void>;
  env?: Record<string, string>;
  /** One readiness check, bounded in time: resolves when the server serves requests. */
  probe(port: number): Promise<void>;
}

class ServerStartError extends Error {
  constructor(
    message: string,
    readonly addressInUse: boolean,
  ) {
    super(message);
  }
}

async function startManaged(spec: ManagedSpec): Promise<TestServer> {
  installExitHandler();
  const dir = await mkdtemp(path.join(os.tmpdir(), `dinhdanh-${spec.scheme}-`));
  tempDirs.add(dir);
  await spec.prepare?.(dir);
  // The free port is found by binding port 0 and closing it; another process could take it in between,
  // so a start that fails with "address in use" is retried on a new port.
  for (let attempt = 1; ; attempt++) {
    const server = new ManagedServer(spec, dir, await freePort());
    try {
      await server.start();
      return server;
    } catch (error) {
      if (!(error instanceof ServerStartError && error.addressInUse) || attempt >= 3) throw error;
    }
  }
}

class ManagedServer implements TestServer {
  readonly external = false;
  readonly url: string;
  #child: ChildProcess | undefined;
  #exited: Promise<void> | undefined;
  #output = '';
  #stopping: Promise<void> | undefined;

  constructor(
    private readonly spec: ManagedSpec,
    private readonly dir: string,
    private readonly port: number,
  ) {
    this.url = spec.scheme === 'redis' ? `redis://${host}:${port}` : `mongodb://${host}:${port}/`;
  }

  async start(): Promise<void> {
    if (this.#stopping) await this.#stopping;
    if (this.#child) return;
    const args = this.spec.args(this.port, this.dir);
    const child = spawn(this.spec.binary, args, {
      cwd: this.dir,
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    this.#output = '';
    live.add(child);
    const collect = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString('utf8')).slice(-outputTailBytes);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    let spawnError: Error | undefined;
    this.#exited = new Promise<void>((resolve) => {
      child.once('error', (error) => {
        spawnError = error;
        resolve();
      });
      child.once('exit', () => resolve());
    }).finally(() => live.delete(child));

    const started = Date.now();
    let lastProbeError: unknown;
    for (;;) {
      if (spawnError || child.exitCode !== null || child.signalCode !== null) {
        const how = spawnError ? `could not be started (${spawnError.message})` : `exited (${child.exitCode ?? child.signalCode}) before accepting connections`;
        await this.#abandon(child);
        throw this.#failure(how);
      }
      try {
        await this.spec.probe(this.port);
        return;
      } catch (error) {
        lastProbeError = error;
      }
      if (Date.now() - started > readyTimeoutMs) {
        await this.#abandon(child);
        const last = lastProbeError instanceof Error ? lastProbeError.message : String(lastProbeError);
        throw this.#failure(`did not accept connections within ${readyTimeoutMs / 1000} s (last check: ${last})`);
      }
      await delay(50);
    }
  }

  stop(): Promise<void> {
    if (this.#stopping) return this.#stopping;
    const child = this.#child;
    if (!child) return Promise.resolve();
    this.#stopping = this.#terminate(child).finally(() => {
      this.#child = undefined;
      this.#stopping = undefined;
    });
    return this.#stopping;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async #terminate(child: ChildProcess): Promise<void> {
    const exited = this.#exited ?? Promise.resolve();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      await exited;
      clearTimeout(timer);
    } else {
      await exited;
    }
  }

  async #abandon(child: ChildProcess): Promise<void> {
    await this.#terminate(child);
    this.#child = undefined;
  }

  #failure(how: string): ServerStartError {
    const output = this.#output.trim();
    const command = [this.spec.binary, ...this.spec.args(this.port, this.dir).map((a) => (a === '' ? "''" : a))].join(' ');
    return new ServerStartError(
      `${this.spec.name} on ${host}:${this.port} ${how}\n  command: ${command}\n  server output (stdout+stderr):\n${output ? output.replace(/^/gm, '    ') : '    (none)'}`,
      /address already in use/i.test(output),
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// MONGODB_URI: a server this run does not control.

async function externalMongo(uri: string): Promise<TestServer> {
  const { MongoClient } = await import('mongodb');
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: readyTimeoutMs });
  try {
    await client.db('admin').command({ ping: 1 });
  } catch (error) {
    throw new Error(`MONGODB_URI=${redactUri(uri)} does not answer a ping within ${readyTimeoutMs / 1000} s: ${(error as Error).message}`);
  } finally {
    await client.close();
  }
  const refuse = (what: string) => async (): Promise<void> => {
    throw new Error(`cannot ${what} the MongoDB server at MONGODB_URI: restarts need a server the test run controls (unset MONGODB_URI to use FerretDB)`);
  };
  return { url: uri, external: true, stop: refuse('stop'), start: refuse('start'), restart: refuse('restart') };
}

function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

// ---------------------------------------------------------------------------------------------------------
// Ports and readiness probes.

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Sends PING over a raw socket and resolves on +PONG (a loading server answers -LOADING). */
function redisPing(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let reply = '';
    const done = (error?: Error) => {
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    socket.setTimeout(1000, () => done(new Error('PING timed out')));
    socket.once('error', (error) => done(error));
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      const end = reply.indexOf('\r\n');
      if (end < 0) return;
      const line = reply.slice(0, end);
      done(line === '+PONG' ? undefined : new Error(`PING answered ${line}`));
    });
  });
}

function tcpConnect(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1000, () => {
      socket.destroy();
      reject(new Error('connect timed out'));
    });
    socket.once('error', (error) => {
      socket.destroy();
      reject(error);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
  });
}

/** A cheap TCP connect first, then a real `ping` command through the mongodb driver. */
async function mongoPing(port: number): Promise<void> {
  await tcpConnect(port);
  const { MongoClient } = await import('mongodb');
  const client = new MongoClient(`mongodb://${host}:${port}/`, {
    directConnection: true,
    serverSelectionTimeoutMS: 2000,
    connectTimeoutMS: 1000,
  });
  try {
    await client.db('admin').command({ ping: 1 });
  } finally {
    await client.close();
  }
}
