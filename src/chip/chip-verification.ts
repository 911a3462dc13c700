/**
 * Verifies a chip reading for an account: Passive Authentication (the data is the state's), Active
 * Authentication (the chip is the original, answering this check's own challenge), then the identity on the
 * chip against the account and the population registry's current record (the card is this citizen's current,
 * valid card). Every refusal has a reason the citizen's page and the audit log can name.
 */
import { parse as parseMrz } from 'mrz';

import type { Account } from '../accounts/account.ts';
import { fullName, type PopulationRegistry } from '../registry/population-registry.ts';
import { verifyActiveAuthentication } from './active-authentication.ts';
import {
  activeAuthenticationAlgorithmOfDg14,
  DG13_FIELDS,
  facialRecordOfDg2,
  fieldsOfDg13,
  MalformedChipDataError,
  mrzLinesOfDg1,
  mrzTransliteration,
  publicKeyInfoOfDg15,
} from './icao.ts';
import { verifyPassiveAuthentication, type DocumentSigner, type PassiveAuthenticationFailure } from './passive-authentication.ts';
import type { TrustList } from './trust-list.ts';

/** What the phone (or the desk's reader) sends, decoded. */
export interface ChipReading {
  sod: Uint8Array;
  dataGroups: Map<number, Uint8Array>;
  activeAuthenticationSignature: Uint8Array;
}

export type ChipRefusal =
  | PassiveAuthenticationFailure
  | 'active_authentication_failed'
  | 'identity_mismatch'
  | 'card_expired'
  | 'card_revoked'
  | 'card_not_current'
  | 'citizen_not_found';

export interface VerifiedChip {
  personalId: string;
  fullName: string;
  birthDate: string;
  cardNumber: string;
  cardExpiresOn: string;
  documentSigner: DocumentSigner;
  activeAuthentication: 'ecdsa' | 'rsa';
  /** DG2's ISO/IEC 19794-5 facial record, for the face comparison. */
  facialRecord: Uint8Array;
}

export type ChipVerdict = { ok: true; chip: VerifiedChip } | { ok: false; reason: ChipRefusal; detail: string };

/** Data groups the verdict depends on: MRZ, portrait, Active Authentication key. DG13/DG14 when present. */
export const REQUIRED_DATA_GROUPS = [1, 2, 15] as const;

const isoFromDdMmYyyy = (value: string | undefined) => (value && /^\d{2}\/\d{2}\/\d{4}$/.test(value) ? value.split('/').reverse().join('-') : undefined);

export function createChipVerification({ trustList, registry, now = Date.now }: { trustList: () => TrustList; registry: Pick<PopulationRegistry, 'findCitizen'>; now?: () => number }) {
  return async function verifyChip(account: Account, reading: ChipReading, challenge: Uint8Array): Promise<ChipVerdict> {
    const refuse = (reason: ChipRefusal, detail: string): ChipVerdict => ({ ok: false, reason, detail });
    const today = new Date(now());

    const passive = await verifyPassiveAuthentication(reading.sod, reading.dataGroups, trustList(), { now: today, required: REQUIRED_DATA_GROUPS });
    if (!passive.ok) return refuse(passive.reason, passive.detail);

    let mrzLines: string[];
    let national: Map<number, string> | undefined;
    let facialRecord: Uint8Array;
    let publicKeyInfo: Uint8Array;
    let aaAlgorithm: string | undefined;
    try {
      mrzLines = mrzLinesOfDg1(reading.dataGroups.get(1)!);
      national = reading.dataGroups.has(13) ? fieldsOfDg13(reading.dataGroups.get(13)!) : undefined;
      facialRecord = facialRecordOfDg2(reading.dataGroups.get(2)!);
      publicKeyInfo = publicKeyInfoOfDg15(reading.dataGroups.get(15)!);
      aaAlgorithm = reading.dataGroups.has(14) ? activeAuthenticationAlgorithmOfDg14(reading.dataGroups.get(14)!) : undefined;
    } catch (error) {
      // Signed by the state yet unreadable: not a card this verifier knows.
      if (error instanceof MalformedChipDataError) return refuse('malformed', error.message);
      throw error;
    }

    const active = verifyActiveAuthentication(publicKeyInfo, aaAlgorithm, challenge, reading.activeAuthenticationSignature);
    if (!active.verified) return refuse('active_authentication_failed', `the chip did not sign this check's challenge (${active.reason})`);

    const mrz = parseMrz(mrzLines);
    if (!mrz.valid || mrz.format !== 'TD1' || mrz.fields.issuingState !== 'VNM') return refuse('malformed', 'DG1 is not a valid Vietnamese TD1 MRZ');
    const personalId = national?.get(DG13_FIELDS.personalId) ?? /^\d{12}/.exec(mrz.fields.optional1 ?? '')?.[0];
    if (!personalId || personalId !== account.personalId) return refuse('identity_mismatch', 'the card belongs to another personal identification number');

    const citizen = await registry.findCitizen(personalId);
    if (!citizen) return refuse('citizen_not_found', 'the registry does not know this number');
    const birthDate = isoFromDdMmYyyy(national?.get(DG13_FIELDS.birthDate));
    const chipName = national?.get(DG13_FIELDS.fullName);
    // DG13 has the name as registered; without it, the MRZ's transliteration is compared.
    const sameName = chipName
      ? chipName.normalize('NFC') === fullName(citizen).normalize('NFC')
      : mrzTransliteration(mrz.fields.lastName ?? '') === mrzTransliteration(citizen.familyName) &&
        mrzTransliteration(mrz.fields.firstName ?? '') === mrzTransliteration([citizen.middleName, citizen.givenName].filter(Boolean).join(' '));
    const sameBirth = (birthDate ?? `${citizen.birthDate.slice(0, 2)}${mrz.fields.birthDate}`.replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3')) === citizen.birthDate;
    if (!sameName || !sameBirth) return refuse('identity_mismatch', 'the name or date of birth on the chip differs from the registry');

    // The card: the registry's current one, valid, not past its date. Chip card numbers are the ID number.
    if (!citizen.card.number.endsWith(mrz.fields.documentNumber ?? '') || citizen.card.number !== personalId) return refuse('card_not_current', 'this card is not the citizen\'s current card');
    const expiresOn = isoFromDdMmYyyy(national?.get(DG13_FIELDS.expiresOn)) ?? `20${mrz.fields.expirationDate}`.replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3');
    if (citizen.card.status === 'revoked') return refuse('card_revoked', 'the registry lists this card as revoked');
    if (citizen.card.status === 'expired' || expiresOn < today.toISOString().slice(0, 10)) return refuse('card_expired', `the card expired on ${expiresOn}`);
    if (expiresOn !== citizen.card.expiresOn) return refuse('card_not_current', 'the card\'s expiry date differs from the registry\'s current card');

    return {
      ok: true,
      chip: {
        personalId,
        fullName: fullName(citizen),
        birthDate: citizen.birthDate,
        cardNumber: citizen.card.number,
        cardExpiresOn: expiresOn,
        documentSigner: passive.documentSigner,
        activeAuthentication: active.keyType,
        facialRecord,
      },
    };
  };
}

export type ChipVerification = ReturnType<typeof createChipVerification>;
