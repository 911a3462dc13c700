/**
 * Which population registry DinhDanh talks to (REGISTRY_MODE): the synthetic population in-process
 * (`simulated`, development) or a registry service over HTTP (`http`: the national registry, or
 * `npm run registry`).
 */
import path from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

import type { Config } from '../config/schema.ts';
import { demoRegistryRecords } from '../demo/citizens.ts';
import { loadCallerKey } from './caller-key.ts';
import { HttpPopulationRegistry } from './http-registry.ts';
import type { PopulationRegistry } from './population-registry.ts';
import { SimulatedPopulationRegistry } from './simulated-registry.ts';
import { createSyntheticPopulation } from './simulator/population.ts';

export async function createPopulationRegistry(config: Config, { logger, metrics, projectRoot }: { logger: Logger; metrics?: Registry; projectRoot: string }): Promise<PopulationRegistry> {
  const settings = config.registry;
  switch (settings.mode) {
    case 'simulated':
      return new SimulatedPopulationRegistry(createSyntheticPopulation({ size: settings.populationSize, seed: settings.populationSeed, extraCitizens: demoRegistryRecords }));
    case 'http': {
      // The same key file the simulator trusts; generated only outside production.
      const { jwk } = await loadCallerKey(path.resolve(projectRoot, settings.callerKeyFile), { generateMissing: config.env !== 'production' });
      return new HttpPopulationRegistry({ baseUrl: settings.url, callerId: settings.callerId, callerKey: jwk, timeoutMs: settings.timeoutMs, retries: settings.retries, logger, metrics });
    }
  }
}
