/**
 * Real servers for the store tests, each a fresh process on an ephemeral loopback port with its data in a
 * fresh temp dir:
 *  - Redis: Debian's `redis-server` (REDIS_SERVER_BIN, else `redis-server` on PATH), without persistence,
 *    so a restart loses the data like the crash of a cache. Besides a single server: a Sentinel set (master,
 *    replica, Sentinels) and a three-master Cluster, from the same binary.
 *  - MongoDB: FerretDB v1 (MongoDB wire protocol on SQLite) built by scripts/install-test-servers.sh
 *    (FERRETDB_BIN, else .tools/bin/ferretdb, else `ferretdb` on PATH); a restart keeps the data. When
 *    MONGODB_URI is set, that server is used instead and cannot be stopped or restarted.
 *
 * A missing binary skips the calling suite (recorded for the end-of-run report in skip-report.ts), except
 * under CI=true, where it is an error: CI must install the servers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, rmSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
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
  /** What a server this run started printed last (stdout+stderr), for failure messages. */
  output?(): string;
}

export const installCommand = 'bash scripts/install-test-servers.sh';

const host = '127.0.0.1';
const readyTimeoutMs = 15_000;
const killAfterMs = 3_000;
const outputTailBytes = 16 * 1024;
const repoRoot = path.resolve(import.meta.dirname, '..', '..');

export async function startRedis(suite: Mocha.Context): Promise<TestServer> {
  return startRedisServer(findRedisServer(suite), 'redis-server', () => []);
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
// Redis topologies: a Sentinel-watched master with a replica, and a three-master Cluster. Every process is a
// plain redis-server (Sentinel is `redis-server <conf> --sentinel`); the cluster is assembled with
// CLUSTER ADDSLOTSRANGE/MEET/REPLICATE, so redis-cli is not needed. Stop them with `stop()` in an after hook
// (the exit handler kills whatever a failed run left behind).

export interface RedisSentinelSet {
  /** The name the Sentinels watch the master under (REDIS_SENTINEL_MASTER). */
  readonly masterName: string;
  /** The data nodes: [0] starts as the master, [1] as its replica; failovers swap the roles. */
  readonly nodes: readonly TestServer[];
  readonly sentinels: readonly TestServer[];
  /** host:port of each Sentinel (REDIS_SENTINELS). */
  readonly sentinelAddresses: readonly string[];
  /** The data node every Sentinel names as master, once they agree and that node says it is one. */
  currentMaster(timeoutMs?: number): Promise<TestServer>;
  /**
   * Resolves when every Sentinel names `master`, `master` says it is one, and each of `replicas` (default:
   * the other data node) is an online replica of it that every Sentinel sees as healthy, so it can be
   * promoted by the next failover.
   */
  waitForMaster(master: TestServer, replicas?: readonly TestServer[], timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface SentinelSetOptions {
  /** 1 to 3 Sentinels (default 3, quorum 2; a single Sentinel has quorum 1). */
  sentinels?: number;
  /** How long the master must be silent before it is considered down (default 1000 ms). */
  downAfterMs?: number;
  /** Sentinel failover-timeout (default 3000 ms). */
  failoverTimeoutMs?: number;
}

/**
 * A master, one replica and 1–3 Sentinels with short timeouts, so a failover takes seconds. Ready when the
 * replica is in sync and every Sentinel knows the replica and the other Sentinels (a failover needs both).
 * The data nodes accept DEBUG from loopback, so a test can freeze the master with DEBUG SLEEP.
 */
export async function startRedisSentinelSet(suite: Mocha.Context, options: SentinelSetOptions = {}): Promise<RedisSentinelSet> {
  const binary = findRedisServer(suite);
  const sentinelCount = options.sentinels ?? 3;
  if (sentinelCount < 1 || sentinelCount > 3) throw new Error(`1 to 3 Sentinels, not ${sentinelCount}`);
  const masterName = 'dinhdanh';
  const started: TestServer[] = [];
  const track = async <T extends TestServer>(server: Promise<T>): Promise<T> => {
    const value = await server;
    started.push(value);
    return value;
  };
  try {
    const debuggable = () => ['--enable-debug-command', 'local', ...fastReplication];
    const master = await track(startRedisServer(binary, 'redis-server (master)', debuggable));
    const masterPort = portOf(master);
    const replica = await track(startRedisServer(binary, 'redis-server (replica)', () => [...debuggable(), '--replicaof', host, String(masterPort)]));
    await waitFor('the replica to sync with the master', async () => {
      const info = String(await redisCommand(replica, 'INFO', 'replication'));
      return /master_link_status:up/.test(info) ? true : info.match(/master_link_status:\w+/)?.[0];
    });

    const quorum = sentinelCount === 1 ? 1 : 2;
    const sentinels = await Promise.all(
      Array.from({ length: sentinelCount }, (_, index) =>
        track(
          startManaged({
            name: `redis-sentinel ${index + 1}`,
            binary,
            scheme: 'redis',
            prepare: (dir) =>
              // Sentinel rewrites its configuration file (known Sentinels and replicas), so it must be a file.
              writeFile(
                path.join(dir, 'sentinel.conf'),
                [
                  `sentinel monitor ${masterName} ${host} ${masterPort} ${quorum}`,
                  `sentinel down-after-milliseconds ${masterName} ${options.downAfterMs ?? 1000}`,
                  `sentinel failover-timeout ${masterName} ${options.failoverTimeoutMs ?? 3000}`,
                  `sentinel parallel-syncs ${masterName} 1`,
                  '',
                ].join('\n'),
              ),
            args: (port, dir) => [
              path.join(dir, 'sentinel.conf'),
              '--sentinel',
              '--port', String(port),
              '--bind', host,
              '--dir', dir,
              '--daemonize', 'no',
              '--loglevel', 'warning',
              '--logfile', '',
            ],
            probe: redisPing,
          }),
        ),
      ),
    );
    await waitFor('every Sentinel to know the replica and the other Sentinels', async () => {
      for (const sentinel of sentinels) {
        const replicas = (await redisCommand(sentinel, 'SENTINEL', 'REPLICAS', masterName)) as unknown[];
        const peers = (await redisCommand(sentinel, 'SENTINEL', 'SENTINELS', masterName)) as unknown[];
        if (replicas.length !== 1 || peers.length !== sentinelCount - 1) {
          return `${addressOf(sentinel)} knows ${replicas.length} replica(s) and ${peers.length} other Sentinel(s)`;
        }
      }
      return true;
    });

    const nodes = [master, replica];
    const masterAddress = async () => {
      const answers = await Promise.all(
        sentinels.map(async (sentinel) => ((await redisCommand(sentinel, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName)) as string[]).join(':')),
      );
      return new Set(answers).size === 1 ? answers[0]! : undefined;
    };
    /** true, or what is not there yet. */
    const healthy = async (master: TestServer, replicas: readonly TestServer[]): Promise<true | string> => {
      const address = await masterAddress();
      if (address !== addressOf(master)) return `the Sentinels name ${address ?? 'different masters'}`;
      const info = String(await redisCommand(master, 'INFO', 'replication'));
      if (!/role:master/.test(info)) return `${addressOf(master)} is not a master yet`;
      for (const replica of replicas) {
        const line = info.match(new RegExp(`^slave\\d+:ip=${host},port=${portOf(replica)},state=(\\w+)`, 'm'));
        if (line?.[1] !== 'online') return `${addressOf(replica)} is not an online replica of ${addressOf(master)} (${line?.[1] ?? 'not connected'})`;
        for (const sentinel of sentinels) {
          const seen = ((await redisCommand(sentinel, 'SENTINEL', 'REPLICAS', masterName)) as string[][])
            .map((fields) => Object.fromEntries(fields.flatMap((value, index) => (index % 2 === 0 ? [[value, fields[index + 1]]] : []))))
            .find((fields) => fields.port === String(portOf(replica)));
          if (seen?.flags !== 'slave') return `${addressOf(sentinel)} sees ${addressOf(replica)} as ${seen?.flags ?? 'unknown'}`;
        }
      }
      return true;
    };
    return {
      masterName,
      nodes,
      sentinels,
      sentinelAddresses: sentinels.map(addressOf),
      async currentMaster(timeoutMs = readyTimeoutMs) {
        let found: TestServer | undefined;
        await waitFor(
          'the Sentinels to agree on a master',
          async () => {
            const address = await masterAddress();
            found = nodes.find((node) => addressOf(node) === address);
            if (!found) return `the Sentinels name ${address ?? 'different masters'}`;
            return (await healthy(found, [])) === true || `${address} is not a master yet`;
          },
          timeoutMs,
          [...nodes, ...sentinels],
        );
        return found!;
      },
      async waitForMaster(node, replicas = nodes.filter((other) => other !== node), timeoutMs = readyTimeoutMs) {
        await waitFor(`${addressOf(node)} to be the master of ${replicas.map(addressOf).join(', ') || 'no replica'}`, () => healthy(node, replicas), timeoutMs, [
          ...nodes,
          ...sentinels,
        ]);
      },
      stop: () => stopAll(started),
    };
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}

export interface RedisClusterSet {
  readonly masters: readonly TestServer[];
  /** Empty unless asked for; replicas[i] starts as the replica of masters[i]. */
  readonly replicas: readonly TestServer[];
  /** host:port of every node (REDIS_CLUSTER_NODES). */
  readonly nodeAddresses: readonly string[];
  stop(): Promise<void>;
}

/**
 * Three masters, each with a third of the 16384 slots, and optionally one replica each. Ready when every
 * node knows every other one and says `cluster_state:ok` (and the replicas are in sync).
 */
export async function startRedisCluster(suite: Mocha.Context, options: { replicas?: boolean } = {}): Promise<RedisClusterSet> {
  const binary = findRedisServer(suite);
  const clusterArgs = () => ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000', ...fastReplication];
  const count = options.replicas ? 6 : 3;
  const results = await Promise.allSettled(
    Array.from({ length: count }, (_, index) => startRedisServer(binary, `redis-server (cluster node ${index + 1})`, clusterArgs)),
  );
  const started = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  try {
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    const masters = started.slice(0, 3);
    const replicas = started.slice(3);
    const slotsPerMaster = Math.ceil(16384 / masters.length);
    await Promise.all(
      masters.map(async (master, index) => {
        // Distinct config epochs up front, as redis-cli does, so no node has to resolve a collision.
        await redisCommand(master, 'CLUSTER', 'SET-CONFIG-EPOCH', String(index + 1));
        const first = index * slotsPerMaster;
        const last = Math.min(16383, first + slotsPerMaster - 1);
        await redisCommand(master, 'CLUSTER', 'ADDSLOTSRANGE', String(first), String(last));
      }),
    );
    for (const node of started.slice(1)) await redisCommand(started[0]!, 'CLUSTER', 'MEET', host, String(portOf(node)));
    if (replicas.length > 0) {
      const masterIds = await Promise.all(masters.map(async (master) => String(await redisCommand(master, 'CLUSTER', 'MYID'))));
      await waitFor('the replicas to learn about their masters', async () => {
        for (const replica of replicas) {
          const known = String(await redisCommand(replica, 'CLUSTER', 'NODES'));
          const missing = masterIds.find((id) => !known.includes(id));
          if (missing) return `${addressOf(replica)} does not know ${missing} yet`;
        }
        return true;
      });
      await Promise.all(replicas.map((replica, index) => redisCommand(replica, 'CLUSTER', 'REPLICATE', masterIds[index]!)));
    }
    await waitFor('cluster_state:ok on every node', async () => {
      for (const node of started) {
        const info = String(await redisCommand(node, 'CLUSTER', 'INFO'));
        if (!info.includes('cluster_state:ok') || !info.includes(`cluster_known_nodes:${started.length}`)) {
          return `${addressOf(node)}: ${info.match(/cluster_state:\w+/)?.[0]}, ${info.match(/cluster_known_nodes:\d+/)?.[0]}`;
        }
      }
      for (const replica of replicas) {
        const info = String(await redisCommand(replica, 'INFO', 'replication'));
        if (!info.includes('master_link_status:up')) return `${addressOf(replica)} is not in sync with its master`;
      }
      return true;
    });
    return { masters, replicas, nodeAddresses: started.map(addressOf), stop: () => stopAll(started) };
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}

/** host:port of a server started by this file. */
export function addressOf(server: TestServer): string {
  return new URL(server.url).host;
}

/**
 * One command on one Redis node (or Sentinel), over a fresh connection that never retries: for a test's
 * own checks and for assembling topologies. A command that does not answer within `timeoutMs` rejects.
 */
export async function redisCommand(server: TestServer, command: string, ...args: string[]): Promise<unknown> {
  return redisCommandWithin(2000, server, command, ...args);
}

export async function redisCommandWithin(timeoutMs: number, server: TestServer, command: string, ...args: string[]): Promise<unknown> {
  const { Redis } = await import('ioredis');
  const client = new Redis({
    host,
    port: portOf(server),
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
  });
  client.on('error', () => undefined); // the rejected command reports it
  try {
    await client.connect();
    return await client.call(command, ...args);
  } finally {
    client.disconnect();
  }
}

/** A replica's full sync starts at once instead of after the default 5 s wait for more replicas. */
const fastReplication = ['--repl-diskless-sync-delay', '0'];

function portOf(server: TestServer): number {
  return Number(new URL(server.url).port);
}

function findRedisServer(suite: Mocha.Context): string {
  return findBinary(suite, { name: 'redis-server', envVar: 'REDIS_SERVER_BIN', candidates: [], onPath: 'redis-server' });
}

function startRedisServer(binary: string, name: string, extraArgs: () => string[]): Promise<TestServer> {
  return startManaged({
    name,
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
      ...extraArgs(),
    ],
    probe: redisPing,
  });
}

async function stopAll(servers: readonly TestServer[]): Promise<void> {
  await Promise.all(servers.map((server) => server.stop()));
}

/** Polls `check` until it returns true; any other answer (or error) is the last state shown on timeout. */
async function waitFor(
  what: string,
  check: () => Promise<true | string | false | undefined>,
  timeoutMs = readyTimeoutMs,
  servers: readonly TestServer[] = [],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const answer = await check();
      if (answer === true) return;
      last = answer;
    } catch (error) {
      last = error instanceof Error ? error.message : error;
    }
    if (Date.now() > deadline) {
      const logs = servers.map((server) => `  ${server.url}:\n${(server.output?.().trim() || '(no output)').replace(/^/gm, '    ')}`);
      throw new Error([`timed out after ${timeoutMs / 1000} s waiting for ${what} (last: ${String(last)})`, ...logs].join('\n'));
    }
    await delay(50);
  }
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

  output(): string {
    return this.#output;
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
