/**
 * Passive Authentication (ICAO Doc 9303 part 11 §5.1): the data groups read from the chip are the ones the
 * issuing state signed.
 *
 *   1. EF.SOD is a CMS SignedData (RFC 5652) whose content is an LDSSecurityObject, signed by a Document Signer
 *      whose certificate the SignedData carries; the signature (over the signed attributes, whose
 *      messageDigest covers the content) must verify with that certificate — pkijs does the CMS work;
 *   2. the Document Signer certificate must chain to a CSCA of the trust list, be valid today, have the
 *      digitalSignature key usage, and not be on the CSCA's revocation list — pkijs's chain engine;
 *   3. each data group's hash, recomputed, must equal the one in the LDSSecurityObject; the data groups
 *      DinhDanh relies on must all be present and signed.
 */
import { createHash } from 'node:crypto';

import { contentInfoOfSod, LDS_SECURITY_OBJECT_OID, MalformedChipDataError, parseLdsSecurityObject } from './icao.ts';
import { pkijs } from './pkijs-engine.ts';
import { keyUsageBits, subjectOf, type TrustList } from './trust-list.ts';

const SIGNED_DATA_OID = '1.2.840.113549.1.7.2';

export type PassiveAuthenticationFailure =
  | 'malformed'
  | 'signature_invalid'
  | 'signer_untrusted'
  | 'signer_expired'
  | 'signer_revoked'
  | 'signer_not_for_documents'
  | 'data_group_tampered'
  | 'data_group_missing';

export interface DocumentSigner {
  subject: string;
  serialNumber: string;
}

export type PassiveAuthenticationResult =
  | { ok: true; documentSigner: DocumentSigner; hashAlgorithm: string; dataGroups: number[] }
  | { ok: false; reason: PassiveAuthenticationFailure; detail: string };

function fail(reason: PassiveAuthenticationFailure, detail: string): PassiveAuthenticationResult {
  return { ok: false, reason, detail };
}

function signedDataOf(sod: Uint8Array): pkijs.SignedData {
  const contentInfo = pkijs.ContentInfo.fromBER(contentInfoOfSod(sod));
  if (contentInfo.contentType !== SIGNED_DATA_OID) throw new MalformedChipDataError('EF.SOD: not a SignedData');
  return new pkijs.SignedData({ schema: contentInfo.content });
}

export async function verifyPassiveAuthentication(
  sod: Uint8Array,
  dataGroups: ReadonlyMap<number, Uint8Array>,
  trust: TrustList,
  { now, required }: { now: Date; required: readonly number[] },
): Promise<PassiveAuthenticationResult> {
  let signedData: pkijs.SignedData;
  let content: Uint8Array;
  try {
    signedData = signedDataOf(sod);
    if (signedData.encapContentInfo.eContentType !== LDS_SECURITY_OBJECT_OID || !signedData.encapContentInfo.eContent) {
      return fail('malformed', 'EF.SOD does not hold an LDSSecurityObject');
    }
    content = new Uint8Array(signedData.encapContentInfo.eContent.getValue());
  } catch (error) {
    return fail('malformed', error instanceof Error ? error.message : 'EF.SOD is not readable');
  }
  const documentSigner = signedData.certificates?.find((certificate): certificate is pkijs.Certificate => certificate instanceof pkijs.Certificate);
  if (!documentSigner || signedData.signerInfos.length !== 1) return fail('malformed', 'EF.SOD must carry one signer and its Document Signer certificate');

  // 1. The CMS signature, with the certificate the SignedData carries (the chain is checked below).
  try {
    const verified = await signedData.verify({ signer: 0, checkChain: false, extendedMode: true });
    if (!verified.signatureVerified) return fail('signature_invalid', 'the SOD signature does not verify with the Document Signer certificate');
  } catch (error) {
    return fail('signature_invalid', (error as { message?: string }).message ?? 'the SOD signature does not verify');
  }

  // 2. The Document Signer against the trust list.
  const signer = { subject: subjectOf(documentSigner), serialNumber: Buffer.from(documentSigner.serialNumber.valueBlock.valueHexView).toString('hex') };
  if (now < documentSigner.notBefore.value || now > documentSigner.notAfter.value) return fail('signer_expired', `Document Signer ${signer.subject} is not valid on ${now.toISOString()}`);
  if (!(keyUsageBits(documentSigner)?.has(0) ?? false)) return fail('signer_not_for_documents', 'the Document Signer certificate lacks the digitalSignature key usage');
  if (trust.crls.some((crl) => crl.issuer.isEqual(documentSigner.issuer) && crl.isCertificateRevoked(documentSigner))) {
    return fail('signer_revoked', `Document Signer ${signer.subject} (serial ${signer.serialNumber}) is revoked`);
  }
  const chain = await new pkijs.CertificateChainValidationEngine({ trustedCerts: trust.cscas, certs: [documentSigner], crls: trust.crls, checkDate: now })
    .verify()
    .catch((error: unknown) => ({ result: false, resultMessage: error instanceof Error ? error.message : String((error as { resultMessage?: string }).resultMessage ?? error) }));
  if (!chain.result) return fail('signer_untrusted', `Document Signer ${signer.subject} does not chain to a trusted CSCA: ${chain.resultMessage}`);

  // 3. The data groups against their signed hashes.
  let lds;
  try {
    lds = parseLdsSecurityObject(content);
  } catch (error) {
    return fail('malformed', (error as Error).message);
  }
  for (const [number, bytes] of dataGroups) {
    const signedHash = lds.hashes.get(number);
    if (!signedHash) return fail('data_group_tampered', `DG${number} is not in the signed list`);
    if (!createHash(lds.hashAlgorithm).update(bytes).digest().equals(signedHash)) return fail('data_group_tampered', `DG${number} does not match its signed hash`);
  }
  for (const number of required) {
    if (!dataGroups.has(number)) return fail('data_group_missing', `DG${number} was not sent`);
  }
  return { ok: true, documentSigner: signer, hashAlgorithm: lds.hashAlgorithm, dataGroups: [...dataGroups.keys()].sort((a, b) => a - b) };
}
