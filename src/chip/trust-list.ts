/**
 * The CSCA trust list: the country signing CA certificates DinhDanh accepts Document Signers from, and their
 * certificate revocation lists (ICAO Doc 9303 part 12 §4, §7). Read from a directory of PEM or DER files
 * (`*.pem`, `*.cer`, `*.der` for certificates, `*.crl` for CRLs): the operator drops in the national CSCA (and
 * foreign ones from the ICAO PKD master list if foreign cards are ever accepted).
 *
 * A certificate that is not a CA allowed to sign certificates, or a CRL whose signature no listed CSCA made,
 * is refused at start-up: a trust list is configuration, and broken configuration must not start.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { pkijs } from './pkijs-engine.ts';

export interface TrustList {
  cscas: pkijs.Certificate[];
  crls: pkijs.CertificateRevocationList[];
}

const BASIC_CONSTRAINTS = '2.5.29.19';
const KEY_USAGE = '2.5.29.15';

/** The DER inside a PEM file, or the file itself when it is already DER. */
function derOf(bytes: Buffer): ArrayBuffer {
  const text = bytes.toString('latin1');
  const match = /-----BEGIN [A-Z0-9 ]+-----([\s\S]+?)-----END [A-Z0-9 ]+-----/.exec(text);
  const der = match ? Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64') : bytes;
  return der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer;
}

/** Key usage bits (RFC 5280 §4.2.1.3) as a set of bit numbers. */
export function keyUsageBits(certificate: pkijs.Certificate): Set<number> | undefined {
  const extension = certificate.extensions?.find((candidate) => candidate.extnID === KEY_USAGE);
  if (!extension) return undefined;
  const bitString = extension.parsedValue as { valueBlock: { valueHexView: Uint8Array } };
  const bytes = bitString.valueBlock.valueHexView;
  const bits = new Set<number>();
  bytes.forEach((byte, index) => {
    for (let bit = 0; bit < 8; bit += 1) if (byte & (0x80 >> bit)) bits.add(index * 8 + bit);
  });
  return bits;
}

function isCertificateAuthority(certificate: pkijs.Certificate): boolean {
  const constraints = certificate.extensions?.find((candidate) => candidate.extnID === BASIC_CONSTRAINTS)?.parsedValue as { cA?: boolean } | undefined;
  // keyCertSign is bit 5 (RFC 5280 §4.2.1.3).
  return constraints?.cA === true && (keyUsageBits(certificate)?.has(5) ?? false);
}

export function subjectOf(certificate: pkijs.Certificate): string {
  return certificate.subject.typesAndValues.map((entry) => `${{ '2.5.4.6': 'C', '2.5.4.10': 'O', '2.5.4.3': 'CN', '2.5.4.5': 'serialNumber' }[entry.type] ?? entry.type}=${entry.value.valueBlock.value}`).join(', ');
}

export async function trustListFromFiles(files: { name: string; bytes: Buffer }[]): Promise<TrustList> {
  const cscas: pkijs.Certificate[] = [];
  const crlFiles: { name: string; crl: pkijs.CertificateRevocationList }[] = [];
  for (const { name, bytes } of files) {
    if (/\.crl$/i.test(name)) crlFiles.push({ name, crl: pkijs.CertificateRevocationList.fromBER(derOf(bytes)) });
    else if (/\.(pem|cer|crt|der)$/i.test(name)) {
      const certificate = pkijs.Certificate.fromBER(derOf(bytes));
      if (!isCertificateAuthority(certificate)) throw new Error(`trust list: ${name} is not a CA certificate with keyCertSign`);
      cscas.push(certificate);
    }
  }
  const crls: pkijs.CertificateRevocationList[] = [];
  for (const { name, crl } of crlFiles) {
    const issuers = cscas.filter((csca) => csca.subject.isEqual(crl.issuer));
    const verified = await Promise.all(issuers.map((issuer) => crl.verify({ issuerCertificate: issuer }).catch(() => false)));
    if (!verified.some(Boolean)) throw new Error(`trust list: ${name} is not signed by a listed CSCA`);
    crls.push(crl);
  }
  return { cscas, crls };
}

export async function loadTrustList(directory: string): Promise<TrustList> {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return { cscas: [], crls: [] };
  }
  return trustListFromFiles(names.sort().map((name) => ({ name, bytes: readFileSync(path.join(directory, name)) })));
}
