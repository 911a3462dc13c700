/**
 * `npm run example:bank`: the example bank at http://localhost:4001, signing customers in with the DinhDanh
 * at ISSUER (default http://localhost:3000: `npm start` in another terminal). Settings (environment): ISSUER,
 * PORT, PUBLIC_URL, CLIENT_ID, CLIENT_KEY_FILE, COOKIE_KEYS, TRUST_PROXY (examples/shared/settings.ts).
 */
import { fileURLToPath } from 'node:url';

import { runExample } from '../shared/run.ts';
import { createBankServer } from './server.ts';

await runExample({
  name: 'Example bank',
  defaults: { port: 4001, clientId: 'example-bank', clientKeyFile: fileURLToPath(new URL('.keys/client-key.json', import.meta.url)) },
  createServer: (settings, clientKey) => createBankServer({ ...settings, clientKey }),
});
