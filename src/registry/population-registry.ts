/**
 * Port to the national population registry: the source of truth for who a citizen is.
 * DinhDanh never copies identity data into accounts; it asks the registry when it releases claims.
 * (The HTTP client for the real registry and the synthetic simulator arrive with the registry issue.)
 */

export type Sex = 'male' | 'female';
export type LifeStatus = 'alive' | 'deceased';
export type CardStatus = 'valid' | 'revoked' | 'expired';

export interface CitizenRecord {
  /** 12 digits: province (3), century/sex (1), birth year (2), serial (6). */
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

export function fullName(record: Pick<CitizenRecord, 'familyName' | 'middleName' | 'givenName'>): string {
  return [record.familyName, record.middleName, record.givenName].filter(Boolean).join(' ');
}

export interface PopulationRegistry {
  /** The citizen's current record, or undefined when the registry does not know the number. */
  findCitizen(personalId: string): Promise<CitizenRecord | undefined>;
}
