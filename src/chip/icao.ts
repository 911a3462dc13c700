/**
 * The Logical Data Structure of an ICAO 9303 chip (Doc 9303 part 10): how the data groups and the Document
 * Security Object are framed, and how DinhDanh reads the ones it uses. ASN.1 is decoded with asn1js and CMS
 * with pkijs; this file only knows which tags hold what.
 *
 *   EF.SOD  [APPLICATION 23] ContentInfo (CMS SignedData over an LDSSecurityObject, part 10 §4.6.2)
 *   DG1     [APPLICATION 1]  { [APPLICATION 31] MRZ }                         (§4.7.1)
 *   DG2     [APPLICATION 21] biometric information template, face (ISO/IEC 19794-5 in CBEFF) (§4.7.2)
 *   DG13    [APPLICATION 13] optional details: the Vietnamese citizen ID card keeps its national data here
 *   DG14    [APPLICATION 14] SecurityInfos (which signature algorithm Active Authentication uses, part 11 §9.2)
 *   DG15    [APPLICATION 15] SubjectPublicKeyInfo of the Active Authentication key (part 11 §6.1)
 */
import * as asn1js from 'asn1js';

/** id-icao-mrtd-security-ldsSecurityObject (part 10 §4.6.2.2). */
export const LDS_SECURITY_OBJECT_OID = '2.23.136.1.1.1';
/** id-icao-mrtd-security-aaProtocolObject: ActiveAuthenticationInfo in DG14 (part 11 §9.2.6). */
export const ACTIVE_AUTHENTICATION_INFO_OID = '2.23.136.1.1.5';

/** Application tag number of each data group's file (part 10 §4.6.1, table 34). */
export const DATA_GROUP_TAGS: Readonly<Record<number, number>> = { 1: 1, 2: 21, 13: 13, 14: 14, 15: 15 };
export const SOD_TAG = 23;

const HASH_OIDS: Readonly<Record<string, 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512'>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
export const HASH_OID_OF: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(HASH_OIDS).map(([oid, name]) => [name, oid]));

/** Input that is not what the chip would hold: truncated, garbage, wrong tags. */
export class MalformedChipDataError extends Error {
  override name = 'MalformedChipDataError';
}

function decode(bytes: Uint8Array, what: string): asn1js.AsnType {
  const { offset, result } = asn1js.fromBER(bytes);
  if (offset === -1 || result.error) throw new MalformedChipDataError(`${what}: not DER (${result.error || 'truncated'})`);
  if (offset !== bytes.byteLength) throw new MalformedChipDataError(`${what}: ${bytes.byteLength - offset} bytes after the value`);
  return result;
}

function isApplication(node: asn1js.AsnType, tagNumber: number): boolean {
  return node.idBlock.tagClass === 2 && node.idBlock.tagNumber === tagNumber;
}

/** The children of an application-tagged constructed value, e.g. a data group file. */
export function unwrapApplication(bytes: Uint8Array, tagNumber: number, what: string): asn1js.AsnType[] {
  const node = decode(bytes, what);
  if (!isApplication(node, tagNumber) || !node.idBlock.isConstructed) throw new MalformedChipDataError(`${what}: expected [APPLICATION ${tagNumber}]`);
  return (node as asn1js.Constructed).valueBlock.value;
}

function primitiveBytes(node: asn1js.AsnType): Uint8Array {
  return new Uint8Array((node.valueBlock as unknown as { valueHexView: Uint8Array }).valueHexView);
}

/** EF.SOD → the DER of the CMS ContentInfo inside it. */
export function contentInfoOfSod(sod: Uint8Array): ArrayBuffer {
  const [contentInfo] = unwrapApplication(sod, SOD_TAG, 'EF.SOD');
  if (!contentInfo) throw new MalformedChipDataError('EF.SOD: empty');
  return contentInfo.toBER(false);
}

export interface LdsSecurityObject {
  hashAlgorithm: 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
  /** Data group number → its hash, as signed by the Document Signer. */
  hashes: Map<number, Uint8Array>;
}

const ldsSchema = new asn1js.Sequence({
  value: [
    new asn1js.Integer({ name: 'version' }),
    new asn1js.Sequence({ name: 'hashAlgorithm', value: [new asn1js.ObjectIdentifier({ name: 'hashOid' }), new asn1js.Any({ name: 'params', optional: true } as never)] }),
    new asn1js.Sequence({
      name: 'dataGroupHashValues',
      value: [new asn1js.Repeated({ name: 'hashes', value: new asn1js.Sequence({ value: [new asn1js.Integer(), new asn1js.OctetString()] }) })],
    }),
    new asn1js.Any({ name: 'ldsVersionInfo', optional: true } as never),
  ],
});

/** LDSSecurityObject (part 10 §4.6.2.3), from the SignedData's encapsulated content. */
export function parseLdsSecurityObject(der: Uint8Array): LdsSecurityObject {
  const verified = asn1js.verifySchema(der, ldsSchema);
  if (!verified.verified) throw new MalformedChipDataError('LDSSecurityObject does not match its schema');
  const result = verified.result as unknown as Record<string, asn1js.AsnType | asn1js.AsnType[]>;
  const hashAlgorithm = HASH_OIDS[(result.hashOid as asn1js.ObjectIdentifier).valueBlock.toString()];
  if (!hashAlgorithm) throw new MalformedChipDataError('LDSSecurityObject: unsupported hash algorithm');
  const hashes = new Map<number, Uint8Array>();
  for (const entry of result.hashes as asn1js.Sequence[]) {
    const [number, value] = entry.valueBlock.value as [asn1js.Integer, asn1js.OctetString];
    hashes.set(number.valueBlock.valueDec, primitiveBytes(value));
  }
  return { hashAlgorithm, hashes };
}

/** DG1: the three 30-character lines of a TD1 (ID card) MRZ. */
export function mrzLinesOfDg1(dg1: Uint8Array): string[] {
  const [mrz] = unwrapApplication(dg1, DATA_GROUP_TAGS[1]!, 'DG1');
  if (!mrz || !isApplication(mrz, 31)) throw new MalformedChipDataError('DG1: no MRZ');
  const text = new TextDecoder('ascii').decode(primitiveBytes(mrz));
  if (!/^[A-Z0-9<]{90}$/.test(text)) throw new MalformedChipDataError('DG1: not a TD1 MRZ');
  return [text.slice(0, 30), text.slice(30, 60), text.slice(60, 90)];
}

/**
 * DG13 of the Vietnamese citizen ID card: numbered fields, each an INTEGER and a UTF8String, in Vietnamese with
 * diacritics (the MRZ has neither). The fields DinhDanh reads:
 */
export const DG13_FIELDS = { personalId: 1, fullName: 2, birthDate: 3, sex: 4, placeOfOrigin: 8, residence: 9, issuedOn: 11, expiresOn: 12 } as const;

export function fieldsOfDg13(dg13: Uint8Array): Map<number, string> {
  const [sequence] = unwrapApplication(dg13, DATA_GROUP_TAGS[13]!, 'DG13');
  if (!(sequence instanceof asn1js.Sequence)) throw new MalformedChipDataError('DG13: expected a SEQUENCE');
  const fields = new Map<number, string>();
  for (const field of sequence.valueBlock.value) {
    const [number, value] = (field as asn1js.Sequence).valueBlock.value ?? [];
    if (!(number instanceof asn1js.Integer) || !(value instanceof asn1js.Utf8String)) throw new MalformedChipDataError('DG13: malformed field');
    fields.set(number.valueBlock.valueDec, value.valueBlock.value);
  }
  return fields;
}

/** DG15: the DER SubjectPublicKeyInfo of the chip's Active Authentication key. */
export function publicKeyInfoOfDg15(dg15: Uint8Array): Uint8Array {
  const [spki] = unwrapApplication(dg15, DATA_GROUP_TAGS[15]!, 'DG15');
  if (!spki) throw new MalformedChipDataError('DG15: empty');
  return new Uint8Array(spki.toBER(false));
}

/** DG14: the signature algorithm OID of ActiveAuthenticationInfo, when present (ECDSA chips must have one). */
export function activeAuthenticationAlgorithmOfDg14(dg14: Uint8Array): string | undefined {
  const [securityInfos] = unwrapApplication(dg14, DATA_GROUP_TAGS[14]!, 'DG14');
  if (!(securityInfos instanceof asn1js.Set)) throw new MalformedChipDataError('DG14: expected a SET of SecurityInfo');
  for (const info of securityInfos.valueBlock.value) {
    const [protocol, , algorithm] = (info as asn1js.Sequence).valueBlock.value ?? [];
    if (protocol instanceof asn1js.ObjectIdentifier && protocol.valueBlock.toString() === ACTIVE_AUTHENTICATION_INFO_OID && algorithm instanceof asn1js.ObjectIdentifier) {
      return algorithm.valueBlock.toString();
    }
  }
  return undefined;
}

/**
 * DG2: the first face's biometric data block (ISO/IEC 19794-5 record, tag 5F2E or 7F2E), which is what a
 * face-comparison service takes (it holds the portrait image).
 */
export function facialRecordOfDg2(dg2: Uint8Array): Uint8Array {
  const [group] = unwrapApplication(dg2, DATA_GROUP_TAGS[2]!, 'DG2');
  if (!group || !isApplication(group, 97)) throw new MalformedChipDataError('DG2: no biometric information group template');
  for (const template of (group as asn1js.Constructed).valueBlock.value) {
    if (!isApplication(template, 96)) continue;
    const block = (template as asn1js.Constructed).valueBlock.value.find((node) => isApplication(node, 46));
    if (block) return primitiveBytes(block);
  }
  throw new MalformedChipDataError('DG2: no biometric data block');
}

/** Latin capitals without diacritics, as names are written in the MRZ (part 3 §6, transliteration; Đ → D). */
export function mrzTransliteration(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/gi, 'D').toUpperCase().replace(/[^A-Z]+/g, '<');
}
