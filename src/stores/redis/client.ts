/**
 * One ioredis client for single, Sentinel or Cluster deployments, set up against the failures published
 * adapters are known for: a client that gives up reconnecting stays on "Connection is closed" forever
 * (we never stop retrying), a failover leaves us writing to a demoted replica (READONLY → reconnect),
 * a dead server makes requests hang (bounded command timeout and one retry per request), and a master that
 * hangs without closing its connections keeps the client until it wakes up (Sentinel: +switch-master).
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';

import type { Config } from '../../config/schema.ts';

export type RedisClient = Redis | Cluster;

function hostAndPort(entry: string) {
  const separator = entry.lastIndexOf(':');
  return { host: entry.slice(0, separator), port: Number(entry.slice(separator + 1)) };
}

/** `onError`: connection errors while reconnecting (ioredis treats an unheard 'error' event as a crash). */
export function createRedisClient(settings: Config['redis'], onError: (error: Error) => void = () => undefined): RedisClient {
  const client = connect(settings);
  client.on('error', onError);
  return client;
}

function connect(settings: Config['redis']): RedisClient {
  const url = new URL(settings.url);
  const common: RedisOptions = {
    commandTimeout: settings.commandTimeoutMs,
    connectTimeout: settings.commandTimeoutMs,
    // Leaving a server that hangs (a failover away from a frozen master) waits for its socket to close, by
    // default up to 2 s, during which every request fails: bound it like every other wait.
    disconnectTimeout: settings.commandTimeoutMs,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    // Keep trying forever with capped backoff: returning null here is what strands clients after a failover.
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
    reconnectOnError: (error) => (/^(READONLY|LOADING)/.test(error.message) ? 2 : false),
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    tls: url.protocol === 'rediss:' ? {} : undefined,
  };

  switch (settings.mode) {
    case 'single':
      return new Redis(settings.url, common);
    case 'sentinel':
      return new Redis({
        ...common,
        sentinels: settings.sentinels.map(hostAndPort),
        name: settings.sentinelMaster,
        sentinelPassword: common.password,
        // rediss:// means TLS on every leg: ioredis otherwise talks plain text to the Sentinels (sending the
        // password in clear) and to the master they name, whatever `tls` says.
        sentinelTLS: common.tls,
        enableTLSForSentinelMode: common.tls !== undefined,
        // A master that hangs (frozen VM, network partition) keeps its socket open: commands only time out,
        // and without this the client stays on it until it wakes up, then writes to it while it still
        // believes it is master (writes lost when the Sentinels demote it). Subscribed to +switch-master,
        // the client reconnects through the Sentinels as soon as they promote a replica.
        failoverDetector: true,
        db: Number(url.pathname.slice(1)) || 0,
      });
    case 'cluster':
      return new Cluster(settings.clusterNodes.map(hostAndPort), {
        redisOptions: common,
        clusterRetryStrategy: common.retryStrategy,
        enableOfflineQueue: true,
      });
  }
}
