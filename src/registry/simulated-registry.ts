/**
 * The synthetic population in-process: the embedded default (REGISTRY_MODE=simulated) answers exactly as the
 * simulator service would, without a network hop.
 */
import { matchesRecord } from './matching.ts';
import type { CitizenRecord, CitizenStatus, MatchQuery, PopulationRegistry } from './population-registry.ts';
import type { SyntheticPopulation } from './simulator/population.ts';

export class SimulatedPopulationRegistry implements PopulationRegistry {
  readonly #population: Pick<SyntheticPopulation, 'get'>;

  constructor(population: Pick<SyntheticPopulation, 'get'>) {
    this.#population = population;
  }

  async findCitizen(personalId: string): Promise<CitizenRecord | undefined> {
    return this.#population.get(personalId);
  }

  async match(query: MatchQuery): Promise<boolean> {
    const record = this.#population.get(query.personalId);
    return record ? matchesRecord(record, query) : false;
  }

  async status(personalId: string): Promise<CitizenStatus | undefined> {
    const record = this.#population.get(personalId);
    return record && { lifeStatus: record.lifeStatus, cardStatus: record.card.status };
  }
}
