import { matchesRecord } from './matching.ts';
import type { CitizenRecord, MatchQuery, PopulationRegistry } from './population-registry.ts';

/** A registry holding a fixed list of citizens: for tests that need exact control of the population. */
export class InMemoryPopulationRegistry implements PopulationRegistry {
  readonly #citizens: Map<string, CitizenRecord>;

  constructor(citizens: readonly CitizenRecord[]) {
    this.#citizens = new Map(citizens.map((citizen) => [citizen.personalId, structuredClone(citizen)]));
  }

  async findCitizen(personalId: string) {
    const record = this.#citizens.get(personalId);
    return record && structuredClone(record);
  }

  async match(query: MatchQuery) {
    const record = this.#citizens.get(query.personalId);
    return record ? matchesRecord(record, query) : false;
  }

  async status(personalId: string) {
    const record = this.#citizens.get(personalId);
    return record && { lifeStatus: record.lifeStatus, cardStatus: record.card.status };
  }

  /** Test hook: the registry changes (a death is registered, a card is revoked). */
  update(personalId: string, change: (record: CitizenRecord) => void): void {
    const record = this.#citizens.get(personalId);
    if (!record) throw new Error(`no citizen ${personalId}`);
    change(record);
  }
}
