/** `npm run migrate`: brings the MongoDB indexes to this release's schema version. Idempotent. */
import { loadConfig } from '../../config/load.ts';
import { migrate } from './migrations.ts';
import { createMongoClient } from './index.ts';

const config = loadConfig({ applyProductionRefusals: false });
const client = createMongoClient(config.mongodb);
try {
  await client.connect();
  const { from, to } = await migrate(client.db(config.mongodb.database));
  console.log(from === to ? `schema already at version ${to}` : `schema migrated from version ${from} to ${to}`);
} catch (error) {
  console.error(`migrate: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await client.close();
}
