/**
 * One ioredis client for single, Sentinel or Cluster deployments, set up against the failures published
 * adapters are known for: a client that gives up reconnecting stays on "Connection is closed" forever
 * (we never stop retrying), a failover leaves us writing to a demoted replica (READONLY → reconnect),
 * and a dead server makes requests hang (bounded command timeout and one retry per request).
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
