/**
 * A SYNTHETIC card issuer, for tests and development only: a test CSCA, Document Signers, revocation lists,
 * and chip images (EF.SOD + DG1, DG2, DG13, DG14, DG15 + an Active Authentication key) for synthetic citizens
 * of the simulated registry, built as ICAO Doc 9303 parts 10–12 describe, with pkijs and asn1js. It can also
 * build the broken chips an attacker or a faulty reader would produce (tampered data group, wrong signer,
 * expired signer, untrusted CSCA…), so every refusal is tested against a real structure.
 *
 * Nothing here is trusted by a production DinhDanh: its CSCA is made on the spot and never in the configured
 * trust list of a production deployment. `scripts/chip-fixtures.ts` writes a set of these to disk.
 */
import { constants, createHash, generateKeyPairSync, privateEncrypt, randomBytes, sign, webcrypto, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';

import { fullName, type CitizenRecord } from '../registry/population-registry.ts';
import { ACTIVE_AUTHENTICATION_INFO_OID, DATA_GROUP_TAGS, DG13_FIELDS, HASH_OID_OF, LDS_SECURITY_OBJECT_OID, mrzTransliteration, SOD_TAG } from './icao.ts';
import { pkijs } from './pkijs-engine.ts';

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const DAY = 86_400_000;

export interface Authority {
  certificate: pkijs.Certificate;
  privateKey: CryptoKey;
  /** PEM of the certificate, as an operator would drop it into the trust list directory. */
  pem: string;
}

function pem(der: ArrayBuffer, label: string): string {
  return `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

function name(country: string, commonName: string): pkijs.RelativeDistinguishedNames {
  return new pkijs.RelativeDistinguishedNames({
    typesAndValues: [
      new pkijs.AttributeTypeAndValue({ type: '2.5.4.6', value: new asn1js.PrintableString({ value: country }) }),
      new pkijs.AttributeTypeAndValue({ type: '2.5.4.10', value: new asn1js.Utf8String({ value: 'DinhDanh synthetic issuer (test only)' }) }),
      new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: commonName }) }),
    ],
  });
}

/** keyUsage bits as a DER BIT STRING (RFC 5280 §4.2.1.3): bit 0 = digitalSignature, 5 = keyCertSign, 6 = cRLSign. */
function keyUsage(bits: number[]): pkijs.Extension {
  let byte = 0;
  for (const bit of bits) byte |= 0x80 >> bit;
  const unusedBits = bits.length ? 7 - Math.max(...bits) : 0;
  const value = new asn1js.BitString({ valueHex: new Uint8Array([byte]).buffer, unusedBits });
  return new pkijs.Extension({ extnID: '2.5.29.15', critical: true, extnValue: value.toBER(false), parsedValue: value });
}

async function certificate(options: {
  subject: pkijs.RelativeDistinguishedNames;
  issuer: pkijs.RelativeDistinguishedNames;
  serial: number;
  notBefore: Date;
  notAfter: Date;
  publicKey: CryptoKey;
  signingKey: CryptoKey;
  ca: boolean;
  keyUsageBits: number[];
}): Promise<pkijs.Certificate> {
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ value: options.serial });
  cert.subject = options.subject;
  cert.issuer = options.issuer;
  cert.notBefore.value = options.notBefore;
  cert.notAfter.value = options.notAfter;
  const basicConstraints = new pkijs.BasicConstraints({ cA: options.ca });
  cert.extensions = [
    new pkijs.Extension({ extnID: '2.5.29.19', critical: true, extnValue: basicConstraints.toSchema().toBER(false), parsedValue: basicConstraints }),
    ...(options.keyUsageBits.length ? [keyUsage(options.keyUsageBits)] : []),
  ];
  await cert.subjectPublicKeyInfo.importKey(options.publicKey);
  await cert.sign(options.signingKey, 'SHA-256');
  return cert;
}

/** A Country Signing CA (ICAO 9303 part 12 §7.1.1), self-signed. */
export async function createCsca({ commonName = 'CSCA Viet Nam (synthetic)', serial = 1, validFrom = new Date(Date.now() - 365 * DAY), years = 15 } = {}): Promise<Authority> {
  const keys = (await webcrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const subject = name('VN', commonName);
  const cert = await certificate({
    subject,
    issuer: subject,
    serial,
    notBefore: validFrom,
    notAfter: new Date(validFrom.getTime() + years * 365 * DAY),
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    ca: true,
    keyUsageBits: [5, 6],
  });
  return { certificate: cert, privateKey: keys.privateKey, pem: pem(cert.toSchema().toBER(false), 'CERTIFICATE') };
}

/** A Document Signer certificate issued by `csca` (part 12 §7.1.2); `keyUsageBits: []` makes a wrong one. */
export async function createDocumentSigner(
  csca: Authority,
  { serial = 100, validFrom = new Date(Date.now() - 30 * DAY), days = 3 * 365, keyUsageBits = [0], commonName = undefined as string | undefined } = {},
): Promise<Authority> {
  const keys = (await webcrypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await certificate({
    subject: name('VN', commonName ?? `Document Signer ${serial} (synthetic)`),
    issuer: csca.certificate.subject,
    serial,
    notBefore: validFrom,
    notAfter: new Date(validFrom.getTime() + days * DAY),
    publicKey: keys.publicKey,
    signingKey: csca.privateKey,
    ca: false,
    keyUsageBits,
  });
  return { certificate: cert, privateKey: keys.privateKey, pem: pem(cert.toSchema().toBER(false), 'CERTIFICATE') };
}

/** A CRL of `csca` revoking `revoked` Document Signers (part 12 §7.1.4). Returns its DER. */
export async function createCrl(csca: Authority, revoked: Authority[], now = new Date()): Promise<Uint8Array> {
  const crl = new pkijs.CertificateRevocationList();
  crl.version = 1;
  crl.issuer = csca.certificate.subject;
  crl.thisUpdate = new pkijs.Time({ type: 0, value: now });
  crl.nextUpdate = new pkijs.Time({ type: 0, value: new Date(now.getTime() + 90 * DAY) });
  crl.revokedCertificates = revoked.map(
    (signer) => new pkijs.RevokedCertificate({ userCertificate: signer.certificate.serialNumber, revocationDate: new pkijs.Time({ type: 0, value: now }) }),
  );
  await crl.sign(csca.privateKey, 'SHA-256');
  return new Uint8Array(crl.toSchema(true).toBER(false));
}

// Data groups (ICAO 9303 part 10 §4.7).

function application(tagNumber: number, value: asn1js.AsnType[]): asn1js.Constructed {
  return new asn1js.Constructed({ idBlock: { tagClass: 2, tagNumber }, value });
}

function applicationPrimitive(tagNumber: number, bytes: Uint8Array): asn1js.Primitive {
  return new asn1js.Primitive({ idBlock: { tagClass: 2, tagNumber }, valueHex: new Uint8Array(bytes) });
}

const der = (value: asn1js.AsnType) => new Uint8Array(value.toBER(false));

/** ICAO 9303 part 3 §4.9: weights 7, 3, 1; digits as themselves, A–Z as 10–35, filler as 0. */
export function mrzCheckDigit(text: string): string {
  let sum = 0;
  [...text].forEach((character, index) => {
    const value = /\d/.test(character) ? Number(character) : character === '<' ? 0 : character.charCodeAt(0) - 55;
    sum += value * [7, 3, 1][index % 3]!;
  });
  return String(sum % 10);
}

const yymmdd = (isoDate: string) => isoDate.slice(2).replaceAll('-', '');
const ddmmyyyy = (isoDate: string) => isoDate.split('-').reverse().join('/');

/** The TD1 MRZ of a Vietnamese citizen ID card: document number = the last 9 digits, the full 12 in optional data. */
export function td1Mrz(citizen: CitizenRecord): string {
  const documentNumber = citizen.card.number.slice(-9);
  const line1 = `IDVNM${documentNumber}${mrzCheckDigit(documentNumber)}${citizen.personalId.padEnd(15, '<')}`;
  const birth = yymmdd(citizen.birthDate);
  const expiry = yymmdd(citizen.card.expiresOn);
  const line2Start = `${birth}${mrzCheckDigit(birth)}${citizen.sex === 'male' ? 'M' : 'F'}${expiry}${mrzCheckDigit(expiry)}VNM${'<'.repeat(11)}`;
  // Composite: line 1 positions 6–30, line 2 positions 1–7, 9–15, 19–29 (part 5 §4.2.2).
  const composite = mrzCheckDigit(line1.slice(5) + line2Start.slice(0, 7) + line2Start.slice(8, 15) + line2Start.slice(18, 29));
  const line3 = `${mrzTransliteration(citizen.familyName)}<<${mrzTransliteration([citizen.middleName, citizen.givenName].filter(Boolean).join(' '))}`.padEnd(30, '<').slice(0, 30);
  return line1 + line2Start + composite + line3;
}

function dg1(citizen: CitizenRecord): Uint8Array {
  return der(application(DATA_GROUP_TAGS[1]!, [applicationPrimitive(31, new TextEncoder().encode(td1Mrz(citizen)))]));
}

/** DG2 with a SYNTHETIC "portrait": an ISO/IEC 19794-5 header over bytes derived from the ID number. */
function dg2(citizen: CitizenRecord): Uint8Array {
  const image = createHash('sha512').update(`synthetic portrait ${citizen.personalId}`).digest();
  const record = Buffer.concat([Buffer.from('FAC\u0000010\u0000', 'latin1'), image]);
  const biometricTemplate = application(96, [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 1 }, value: [] }), applicationPrimitive(46, record)]);
  const group = application(97, [new asn1js.Primitive({ idBlock: { tagClass: 1, tagNumber: 2 }, valueHex: new Uint8Array([1]).buffer }), biometricTemplate]);
  return der(application(DATA_GROUP_TAGS[2]!, [group]));
}

function dg13(citizen: CitizenRecord): Uint8Array {
  const fields: [number, string][] = [
    [DG13_FIELDS.personalId, citizen.personalId],
    [DG13_FIELDS.fullName, fullName(citizen)],
    [DG13_FIELDS.birthDate, ddmmyyyy(citizen.birthDate)],
    [DG13_FIELDS.sex, citizen.sex === 'male' ? 'Nam' : 'Nữ'],
    [DG13_FIELDS.placeOfOrigin, citizen.placeOfOrigin],
    [DG13_FIELDS.residence, citizen.permanentResidence],
    [DG13_FIELDS.issuedOn, ddmmyyyy(citizen.card.issuedOn)],
    [DG13_FIELDS.expiresOn, ddmmyyyy(citizen.card.expiresOn)],
  ];
  const sequence = new asn1js.Sequence({ value: fields.map(([number, value]) => new asn1js.Sequence({ value: [new asn1js.Integer({ value: number }), new asn1js.Utf8String({ value })] })) });
  return der(application(DATA_GROUP_TAGS[13]!, [sequence]));
}

function dg14(): Uint8Array {
  const info = new asn1js.Sequence({
    value: [new asn1js.ObjectIdentifier({ value: ACTIVE_AUTHENTICATION_INFO_OID }), new asn1js.Integer({ value: 1 }), new asn1js.ObjectIdentifier({ value: '1.2.840.10045.4.3.2' })],
  });
  return der(application(DATA_GROUP_TAGS[14]!, [new asn1js.Set({ value: [info] })]));
}

function dg15(publicKey: KeyObject): Uint8Array {
  const spki = asn1js.fromBER(publicKey.export({ format: 'der', type: 'spki' })).result;
  return der(application(DATA_GROUP_TAGS[15]!, [spki]));
}

/** The chip's Active Authentication: ECDSA (plain r ‖ s, SHA-256) or RSA ISO/IEC 9796-2 scheme 1 (SHA-1 or SHA-256). */
function activeAuthenticationSigner(kind: 'ecdsa' | 'rsa' | 'rsa-sha256') {
  if (kind === 'ecdsa') {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return { publicKey, privateKey, sign: (challenge: Uint8Array) => activeAuthenticationSignature(kind, privateKey, challenge) };
  }
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
  return { publicKey, privateKey, sign: (challenge: Uint8Array) => activeAuthenticationSignature(kind, privateKey, challenge) };
}

/** What a chip with this Active Authentication key answers to `challenge`. */
export function activeAuthenticationSignature(kind: 'ecdsa' | 'rsa' | 'rsa-sha256', privateKey: KeyObject, challenge: Uint8Array): Uint8Array {
  if (kind === 'ecdsa') return new Uint8Array(sign('sha256', challenge, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
  const hash = kind === 'rsa' ? { name: 'sha1', length: 20, trailer: Buffer.from([0xbc]) } : { name: 'sha256', length: 32, trailer: Buffer.from([0x34, 0xcc]) };
  // Representative 6A ‖ M1 ‖ H(M1 ‖ challenge) ‖ trailer, as long as the modulus; M1 is the chip's nonce.
  const m1 = randomBytes(256 - 1 - hash.length - hash.trailer.length);
  const digest = createHash(hash.name).update(m1).update(challenge).digest();
  const representative = Buffer.concat([Buffer.from([0x6a]), m1, digest, hash.trailer]);
  return new Uint8Array(privateEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, representative));
}

export interface ChipImage {
  sod: Uint8Array;
  dataGroups: Map<number, Uint8Array>;
  /** What the chip answers to an Active Authentication challenge (INTERNAL AUTHENTICATE). */
  activeAuthenticate(challenge: Uint8Array): Uint8Array;
  activeAuthentication: { kind: 'ecdsa' | 'rsa' | 'rsa-sha256'; privateKey: KeyObject };
}

export interface ChipOptions {
  activeAuthentication?: 'ecdsa' | 'rsa' | 'rsa-sha256';
  /** Sign the SOD with this key instead of the Document Signer's (the certificate stays): "wrong signer". */
  signWith?: CryptoKey;
}

/** Issues a chip for `citizen`, its SOD signed by `signer`. */
export async function issueChip(signer: Authority, citizen: CitizenRecord, { activeAuthentication = 'ecdsa', signWith }: ChipOptions = {}): Promise<ChipImage> {
  const aa = activeAuthenticationSigner(activeAuthentication);
  const dataGroups = new Map<number, Uint8Array>([
    [1, dg1(citizen)],
    [2, dg2(citizen)],
    [13, dg13(citizen)],
    ...(activeAuthentication === 'ecdsa' ? [[14, dg14()] as [number, Uint8Array]] : []),
    [15, dg15(aa.publicKey)],
  ]);

  // LDSSecurityObject (part 10 §4.6.2.3), SHA-256 over each data group file.
  const lds = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: 0 }),
      new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: HASH_OID_OF.sha256! })] }),
      new asn1js.Sequence({
        value: [...dataGroups].map(
          ([number, bytes]) => new asn1js.Sequence({ value: [new asn1js.Integer({ value: number }), new asn1js.OctetString({ valueHex: createHash('sha256').update(bytes).digest() })] }),
        ),
      }),
    ],
  });
  const content = lds.toBER(false);
  const signedData = new pkijs.SignedData({
    version: 3,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: LDS_SECURITY_OBJECT_OID, eContent: new asn1js.OctetString({ valueHex: content }) }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: signer.certificate.issuer, serialNumber: signer.certificate.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({
          type: 0,
          attributes: [
            new pkijs.Attribute({ type: '1.2.840.113549.1.9.3', values: [new asn1js.ObjectIdentifier({ value: LDS_SECURITY_OBJECT_OID })] }),
            new pkijs.Attribute({ type: '1.2.840.113549.1.9.4', values: [new asn1js.OctetString({ valueHex: createHash('sha256').update(Buffer.from(content)).digest() })] }),
          ],
        }),
      }),
    ],
    certificates: [signer.certificate],
  });
  await signedData.sign(signWith ?? signer.privateKey, 0, 'SHA-256');
  const contentInfo = new pkijs.ContentInfo({ contentType: '1.2.840.113549.1.7.2', content: signedData.toSchema(true) });
  const sod = der(application(SOD_TAG, [contentInfo.toSchema()]));
  return { sod, dataGroups, activeAuthenticate: aa.sign, activeAuthentication: { kind: activeAuthentication, privateKey: aa.privateKey } };
}

/** The JSON a phone app sends: every binary value base64. */
export function chipReadingJson(chip: ChipImage, challenge: Uint8Array) {
  return {
    sod: Buffer.from(chip.sod).toString('base64'),
    dataGroups: Object.fromEntries([...chip.dataGroups].map(([number, bytes]) => [`dg${number}`, Buffer.from(bytes).toString('base64')])),
    activeAuthenticationSignature: Buffer.from(chip.activeAuthenticate(challenge)).toString('base64'),
  };
}
