/**
 * Runs an example relying party in-process on an ephemeral loopback port, as `npm run example:*` does on its
 * fixed one: the app is attached once the port (and so the public URL, part of its redirect URI) is known.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Koa from 'koa';

import { loadOrCreateClientKey, type ClientKey } from '../../examples/shared/client-key.ts';

export interface RunningExample {
  url: URL;
  server: Server;
  clientKey: ClientKey;
  close(): Promise<void>;
}

export async function startExample(create: (publicUrl: URL, clientKey: ClientKey) => Koa): Promise<RunningExample> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  // The key is created as at an example's first start, in a directory of its own.
  const keyDir = mkdtempSync(path.join(tmpdir(), 'dinhdanh-example-key-'));
  const { key: clientKey } = await loadOrCreateClientKey(path.join(keyDir, 'client-key.json'), { mayCreate: true });
  server.on('request', create(url, clientKey).callback());
  return {
    url,
    server,
    clientKey,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      rmSync(keyDir, { recursive: true, force: true });
    },
  };
}
