import type { CitizenRecord, PopulationRegistry } from './population-registry.ts';

/** A registry holding a fixed list of synthetic citizens: the embedded default's stand-in for the real one. */
export class InMemoryPopulationRegistry implements PopulationRegistry {
  readonly #citizens: Map<string, CitizenRecord>;

  constructor(citizens: readonly CitizenRecord[]) {
    this.#citizens = new Map(citizens.map((citizen) => [citizen.personalId, structuredClone(citizen)]));
  }

  async findCitizen(personalId: string): Promise<CitizenRecord | undefined> {
    const record = this.#citizens.get(personalId);
    return record && structuredClone(record);
  }
}
