/**
 * Port to the national population registry: the source of truth for who a citizen is.
 * DinhDanh never copies identity data into accounts; it asks the registry when it enrolls a citizen, at
 * every login (status) and when it releases claims.
 *
 * Implementations: `HttpPopulationRegistry` (the registry service, or DinhDanh's simulator over HTTP) and
 * `SimulatedPopulationRegistry` (the same synthetic population in-process, for the embedded default).
 */

export type Sex = 'male' | 'female';
export type LifeStatus = 'alive' | 'deceased';
export type CardStatus = 'valid' | 'revoked' | 'expired';

export interface CitizenRecord {
  /** 12 digits: province code (3), century/sex digit (1), birth year (2), serial (6). */
  personalId: string;
  /** As registered, with Vietnamese diacritics: family name, middle name(s), given name. */
  familyName: string;
  middleName: string;
  givenName: string;
  /** ISO 8601 date. */
  birthDate: string;
  sex: Sex;
  placeOfOrigin: string;
  permanentResidence: string;
  lifeStatus: LifeStatus;
  card: { number: string; issuedOn: string; expiresOn: string; status: CardStatus };
}

/** What a citizen typed at enrollment, checked against the registry. */
export interface MatchQuery {
  personalId: string;
  fullName: string;
  birthDate: string;
}

export interface CitizenStatus {
  lifeStatus: LifeStatus;
  cardStatus: CardStatus;
}

export function fullName(record: Pick<CitizenRecord, 'familyName' | 'middleName' | 'givenName'>): string {
  return [record.familyName, record.middleName, record.givenName].filter(Boolean).join(' ');
}

/** The registry did not answer (timeout, network, 5xx, circuit open). Nothing may be decided on it. */
export class RegistryUnavailableError extends Error {
  override name = 'RegistryUnavailableError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface PopulationRegistry {
  /** The citizen's current record, or undefined when the registry does not know the number. */
  findCitizen(personalId: string): Promise<CitizenRecord | undefined>;
  /**
   * Whether the data matches the registry's record for that number: yes or no, never which field differs
   * (a registry that tells which field is wrong lets anyone enumerate citizens' data).
   */
  match(query: MatchQuery): Promise<boolean>;
  /** Life and card status, or undefined for an unknown number. */
  status(personalId: string): Promise<CitizenStatus | undefined>;
}
