/**
 * `npm run example:portal`: the example portal at http://localhost:4000, signing citizens in with the
 * DinhDanh at ISSUER (default http://localhost:3000: `npm start` in another terminal). Settings (environment):
 * ISSUER, PORT, PUBLIC_URL, CLIENT_ID, CLIENT_KEY_FILE, COOKIE_KEYS, TRUST_PROXY (examples/shared/settings.ts).
 */
import { fileURLToPath } from 'node:url';

import { runExample } from '../shared/run.ts';
import { createPortalServer } from './server.ts';

await runExample({
  name: 'Example portal',
  defaults: { port: 4000, clientId: 'example-portal', clientKeyFile: fileURLToPath(new URL('.keys/client-key.json', import.meta.url)) },
  createServer: (settings, clientKey) => createPortalServer({ ...settings, clientKey }),
});
