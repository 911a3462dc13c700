/**
 * Writes a set of SYNTHETIC chip fixtures (src/chip/synthetic-issuer.ts) for tests and for trying the
 * level-2 upgrade by hand:
 *
 *   <out>/trust/            a test CSCA and its CRL: point CHIP_CSCA_DIR here
 *   <out>/untrusted/        another CSCA, deliberately not trusted
 *   <out>/chips/<name>.json  a chip reading (EF.SOD + data groups, base64) with the chip's Active
 *                            Authentication key (PEM; a real chip never gives it out), and the verdict expected
 *   <out>/index.json        the fixtures and their expected verdicts
 *
 *   npm run chip:fixtures -- --out /tmp/chips
 */
import { createPrivateKey } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { createCrl, createCsca, createDocumentSigner, issueChip, type ChipImage } from '../src/chip/synthetic-issuer.ts';
import type { ChipRefusal } from '../src/chip/chip-verification.ts';
import { demoCitizens } from '../src/demo/citizens.ts';
import type { CitizenRecord } from '../src/registry/population-registry.ts';

const DAY = 86_400_000;

export interface ChipFixture {
  name: string;
  description: string;
  /** 'ok', or the refusal Passive Authentication / the chip verification must give. */
  expected: 'ok' | ChipRefusal;
  personalId: string;
  sod: string;
  dataGroups: Record<string, string>;
  activeAuthentication: { kind: 'ecdsa' | 'rsa' | 'rsa-sha256'; privateKeyPem: string };
}

function fixture(name: string, description: string, expected: ChipFixture['expected'], citizen: CitizenRecord, chip: ChipImage, change: (json: ChipFixture) => void = () => {}): ChipFixture {
  const json: ChipFixture = {
    name,
    description,
    expected,
    personalId: citizen.personalId,
    sod: Buffer.from(chip.sod).toString('base64'),
    dataGroups: Object.fromEntries([...chip.dataGroups].map(([number, bytes]) => [`dg${number}`, Buffer.from(bytes).toString('base64')])),
    activeAuthentication: { kind: chip.activeAuthentication.kind, privateKeyPem: chip.activeAuthentication.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() },
  };
  change(json);
  return json;
}

/** Flips one byte in the middle of a base64 value: a data group changed after the state signed it. */
function tamper(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
  return bytes.toString('base64');
}

export async function generateChipFixtures(outDir: string, now = new Date()): Promise<ChipFixture[]> {
  const [an, binh, cuong] = demoCitizens.map((citizen) => citizen.record) as [CitizenRecord, CitizenRecord, CitizenRecord];
  const csca = await createCsca({ validFrom: new Date(now.getTime() - 365 * DAY) });
  const untrusted = await createCsca({ commonName: 'CSCA not in the trust list (synthetic)', validFrom: new Date(now.getTime() - 365 * DAY) });
  const signer = await createDocumentSigner(csca, { serial: 100, validFrom: new Date(now.getTime() - 30 * DAY) });
  const expired = await createDocumentSigner(csca, { serial: 101, validFrom: new Date(now.getTime() - 4 * 365 * DAY), days: 3 * 365 });
  const revoked = await createDocumentSigner(csca, { serial: 102, validFrom: new Date(now.getTime() - 30 * DAY) });
  const notForDocuments = await createDocumentSigner(csca, { serial: 103, keyUsageBits: [], validFrom: new Date(now.getTime() - 30 * DAY) });
  const foreign = await createDocumentSigner(untrusted, { serial: 200, validFrom: new Date(now.getTime() - 30 * DAY) });
  const impostor = await createDocumentSigner(csca, { serial: 104, validFrom: new Date(now.getTime() - 30 * DAY) });

  const fixtures = [
    fixture('valid-ecdsa', 'a genuine card: ECDSA Active Authentication (DG14 names SHA-256)', 'ok', an, await issueChip(signer, an)),
    fixture('valid-rsa', 'a genuine card: RSA Active Authentication, ISO/IEC 9796-2 with SHA-1', 'ok', binh, await issueChip(signer, binh, { activeAuthentication: 'rsa' })),
    fixture('valid-rsa-sha256', 'a genuine card: RSA Active Authentication, ISO/IEC 9796-2 with SHA-256', 'ok', cuong, await issueChip(signer, cuong, { activeAuthentication: 'rsa-sha256' })),
    fixture('tampered-dg13', 'DG13 (name, dates) changed after signing', 'data_group_tampered', binh, await issueChip(signer, binh), (json) => {
      json.dataGroups.dg13 = tamper(json.dataGroups.dg13!);
    }),
    fixture('tampered-dg15', 'DG15 replaced by another Active Authentication key (a cloned chip with its own key)', 'data_group_tampered', binh, await issueChip(signer, binh), (json) => {
      json.dataGroups.dg15 = tamper(json.dataGroups.dg15!);
    }),
    fixture('missing-dg15', 'no DG15: nothing to check Active Authentication with', 'data_group_missing', binh, await issueChip(signer, binh), (json) => {
      delete json.dataGroups.dg15;
    }),
    fixture('wrong-signer', 'the SOD signed by another key than the Document Signer certificate it carries', 'signature_invalid', binh, await issueChip(signer, binh, { signWith: impostor.privateKey })),
    fixture('expired-signer', 'a Document Signer certificate past its validity', 'signer_expired', binh, await issueChip(expired, binh)),
    fixture('revoked-signer', 'a Document Signer on the CSCA revocation list', 'signer_revoked', binh, await issueChip(revoked, binh)),
    fixture('signer-without-key-usage', 'a Document Signer certificate without the digitalSignature key usage', 'signer_not_for_documents', binh, await issueChip(notForDocuments, binh)),
    fixture('untrusted-csca', 'a Document Signer of a CSCA that is not in the trust list', 'signer_untrusted', binh, await issueChip(foreign, binh)),
    fixture('truncated-sod', 'EF.SOD cut short (a read interrupted)', 'malformed', binh, await issueChip(signer, binh), (json) => {
      json.sod = Buffer.from(json.sod, 'base64').subarray(0, 300).toString('base64');
    }),
    fixture('garbage-sod', 'EF.SOD that is not DER at all', 'malformed', binh, await issueChip(signer, binh), (json) => {
      json.sod = Buffer.from('this is not a security object').toString('base64');
    }),
  ];

  mkdirSync(path.join(outDir, 'trust'), { recursive: true });
  mkdirSync(path.join(outDir, 'untrusted'), { recursive: true });
  mkdirSync(path.join(outDir, 'chips'), { recursive: true });
  writeFileSync(path.join(outDir, 'trust', 'csca-vn-synthetic.pem'), csca.pem);
  writeFileSync(path.join(outDir, 'trust', 'csca-vn-synthetic.crl'), await createCrl(csca, [revoked], now));
  writeFileSync(path.join(outDir, 'untrusted', 'csca-untrusted.pem'), untrusted.pem);
  for (const item of fixtures) writeFileSync(path.join(outDir, 'chips', `${item.name}.json`), `${JSON.stringify(item, null, 2)}\n`);
  writeFileSync(path.join(outDir, 'index.json'), `${JSON.stringify(fixtures.map(({ name, description, expected, personalId }) => ({ name, description, expected, personalId })), null, 2)}\n`);
  return fixtures;
}

/** The fixture chip's answer to a challenge, from its exported key (what the phone relays from the card). */
export async function answerChallenge(item: ChipFixture, challenge: Uint8Array): Promise<Uint8Array> {
  const { activeAuthenticationSignature } = await import('../src/chip/synthetic-issuer.ts');
  return activeAuthenticationSignature(item.activeAuthentication.kind, createPrivateKey(item.activeAuthentication.privateKeyPem), challenge);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'chip-fixtures' } } });
  const fixtures = await generateChipFixtures(path.resolve(values.out!));
  console.log(`Wrote ${fixtures.length} SYNTHETIC chip fixtures to ${path.resolve(values.out!)} (trust list: ${path.resolve(values.out!, 'trust')})`);
}
