/**
 * `npm run registry`: the population-registry simulator as its own process (DEVELOPMENT ONLY: synthetic
 * people). It trusts the caller key DinhDanh uses (REGISTRY_CALLER_KEY_FILE, generated if missing), so in two
 * terminals (both read REGISTRY_URL, default http://127.0.0.1:3100):
 *     npm run registry
 *     REGISTRY_MODE=http npm start
 */
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';

import { ConfigError, loadConfig } from '../../config/load.ts';
import { demoRegistryRecords } from '../../demo/citizens.ts';
import { CallerKeyError, loadCallerKey } from '../caller-key.ts';
import { createSyntheticPopulation } from './population.ts';
import { createRegistrySimulatorApp } from './server.ts';

const projectRoot = fileURLToPath(new URL('../../..', import.meta.url));

try {
  const config = loadConfig();
  if (config.env === 'production') throw new ConfigError(['the registry simulator serves synthetic people and never runs with NODE_ENV=production']);
  // Listens where DinhDanh will call it (REGISTRY_URL), on the loopback unless told otherwise.
  const baseUrl = config.registry.url;
  const port = Number(new URL(baseUrl).port || 80);
  const host = process.env.REGISTRY_SIMULATOR_HOST ?? '127.0.0.1';
  const logger = pino({ level: config.log.level, base: { service: 'registry-simulator' } });
  const keyFile = path.resolve(projectRoot, config.registry.callerKeyFile);
  const { jwk, generated } = await loadCallerKey(keyFile, { generateMissing: true });
  const started = process.hrtime.bigint();
  const population = createSyntheticPopulation({ size: config.registry.populationSize, seed: config.registry.populationSeed, extraCitizens: demoRegistryRecords });
  const app = await createRegistrySimulatorApp({ population, trustedCallers: { [config.registry.callerId]: jwk }, baseUrl, logger });
  const server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  process.stdout.write(
    [
      '',
      `Population registry SIMULATOR at ${baseUrl} (listening on ${host}:${port}): synthetic people, development only.`,
      `  population: ${config.registry.populationSize.toLocaleString('en')} citizens from seed "${config.registry.populationSeed}" + the demo citizens (ready in ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(0)} ms)`,
      `  trusted caller: ${config.registry.callerId}, key ${keyFile}${generated ? ' (generated now)' : ''}`,
      `  DinhDanh: REGISTRY_MODE=http REGISTRY_URL=${baseUrl} npm start`,
      '',
    ].join('\n'),
  );
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  if (error instanceof ConfigError || error instanceof CallerKeyError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
