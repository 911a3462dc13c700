/**
 * The signing key ring: lifecycle and its timing rules (with an injected clock), key material, the JWKS the
 * real app serves, and the operator's CLI (`npm run keys`).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { calculateJwkThumbprint, compactVerify, CompactSign, importJWK, type JWK } from 'jose';

import { KeyRing, KeyRingError, type KeyRecord } from '../../src/keys/keyring.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const nodeBinary = path.join(projectRoot, 'node_modules/.bin/node');
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;

const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `dinhdanh-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function assertPublicOnly(jwk: JWK | Record<string, unknown>, where: string): void {
  for (const member of PRIVATE_MEMBERS) assert.ok(!(member in jwk), `${where} has no private member "${member}"`);
}

/** A clock the test moves by hand. */
function manualClock(start = '2030-01-01T00:00:00.000Z') {
  let current = Date.parse(start);
  return {
    now: () => new Date(current),
    advance(seconds: number) {
      current += seconds * 1000;
    },
  };
}

const LEAD = 3600;
const LONGEST_TOKEN = 600;

describe('signing key ring', () => {
  describe('lifecycle (generated → staged → active → previous → retired) with an injected clock', () => {
    let clock: ReturnType<typeof manualClock>;
    let ring: KeyRing;
    let first: KeyRecord;
    let second: KeyRecord;

    const kidsInJwks = () => ring.signingJwks().keys.map((jwk) => jwk.kid);
    const ecKidsInJwks = () => ring.signingJwks().keys.filter((jwk) => jwk.kty === 'EC').map((jwk) => jwk.kid);

    before(() => {
      clock = manualClock();
      ring = new KeyRing(path.join(tempDir('ring'), 'keys'), {
        publishLeadSeconds: LEAD,
        longestSignedTokenSeconds: LONGEST_TOKEN,
        now: clock.now,
      });
    });

    it('generates an EC key in state "generated", dated by the injected clock and not published', async () => {
      first = await ring.generate('EC');
      assert.equal(first.state, 'generated');
      assert.equal(first.family, 'EC');
      assert.equal(first.origin, 'operator');
      assert.equal(first.createdAt, '2030-01-01T00:00:00.000Z');
      assert.equal(ring.get(first.kid).state, 'generated');
      assert.deepEqual(ring.signingJwks().keys, []);
    });

    it('stages a generated key: it is published but nothing else changes', () => {
      clock.advance(10);
      const staged = ring.stage(first.kid);
      assert.equal(staged.state, 'staged');
      assert.equal(staged.stagedAt, '2030-01-01T00:00:10.000Z');
      assert.deepEqual(kidsInJwks(), [first.kid]);
    });

    it('refuses to stage a key twice', () => {
      assert.throws(() => ring.stage(first.kid), (error: unknown) => error instanceof KeyRingError && /only a generated key can be staged/.test(error.message));
    });

    it('promotes the first key of a family at once: no other key is active, so no relying party caches an older JWKS', () => {
      clock.advance(1);
      const active = ring.promote(first.kid);
      assert.equal(active.state, 'active');
      assert.equal(active.activatedAt, '2030-01-01T00:00:11.000Z');
      assert.deepEqual(kidsInJwks(), [first.kid]);
    });

    it('publishes a newly staged key AFTER the active key of its family (oidc-provider signs with the first)', async () => {
      clock.advance(60);
      second = await ring.generate('EC');
      assert.deepEqual(kidsInJwks(), [first.kid], 'a generated key is not published');
      clock.advance(10);
      ring.stage(second.kid);
      assert.deepEqual(ecKidsInJwks(), [first.kid, second.kid]);
      assert.equal(ring.signingJwks().keys[0]!.kid, first.kid, 'the first EC key in the JWKS is the active one');
    });

    it('refuses to promote a staged key before publishLeadSeconds while another key is active, saying how long to wait', () => {
      clock.advance(LEAD - 100);
      assert.throws(
        () => ring.promote(second.kid),
        (error: unknown) => {
          assert.ok(error instanceof KeyRingError, String(error));
          assert.match(error.message, new RegExp(`has been published for ${LEAD - 100} s`));
          assert.match(error.message, /Wait 100 s more \(keys\.publishLeadSeconds\) or pass --force/);
          return true;
        },
      );
      assert.equal(ring.get(second.kid).state, 'staged');
      assert.equal(ring.get(first.kid).state, 'active');
    });

    it('promotes it once publishLeadSeconds have passed; the old key becomes "previous" and stays published after the active one', () => {
      clock.advance(100);
      const promoted = ring.promote(second.kid);
      assert.equal(promoted.state, 'active');
      const demoted = ring.get(first.kid);
      assert.equal(demoted.state, 'previous');
      assert.equal(demoted.deactivatedAt, promoted.activatedAt);
      assert.deepEqual(ecKidsInJwks(), [second.kid, first.kid]);
    });

    it('orders the JWKS active, then staged, then previous', async () => {
      // The clock stands still here so the next test's timing arithmetic starts at the promotion.
      const third = await ring.generate('EC');
      ring.stage(third.kid);
      assert.deepEqual(ecKidsInJwks(), [second.kid, third.kid, first.kid]);
      // A staged key never signed anything, so it may be retired at once; that unpublishes it.
      ring.retire(third.kid);
      assert.deepEqual(ecKidsInJwks(), [second.kid, first.kid]);
    });

    it('refuses to retire the active key', () => {
      assert.throws(
        () => ring.retire(second.kid),
        (error: unknown) => error instanceof KeyRingError && /is signing; promote its successor first/.test(error.message),
      );
      assert.equal(ring.get(second.kid).state, 'active');
      assert.ok('d' in ring.get(second.kid).jwk, 'the active key keeps its private part');
    });

    it('refuses to retire a previous key before longestSignedTokenSeconds, accepts it after', () => {
      clock.advance(LONGEST_TOKEN - 1);
      assert.throws(
        () => ring.retire(first.kid),
        (error: unknown) =>
          error instanceof KeyRingError && new RegExp(`stopped signing ${LONGEST_TOKEN - 1} s ago.*Wait 1 s more`).test(error.message),
      );
      assert.equal(ring.get(first.kid).state, 'previous');
      clock.advance(1);
      const retired = ring.retire(first.kid);
      assert.equal(retired.state, 'retired');
      assert.equal(retired.retiredAt, clock.now().toISOString());
    });

    it('destroys the private part of a retired key (in memory and on disk) and unpublishes it', () => {
      const retired = ring.get(first.kid);
      assertPublicOnly(retired.jwk, 'the retired record');
      assert.ok(retired.jwk.x && retired.jwk.y, 'the public part is kept for the record');
      const onDisk = JSON.parse(readFileSync(path.join(ring.dir, `${first.kid}.json`), 'utf8')) as KeyRecord;
      assertPublicOnly(onDisk.jwk, 'the retired key file');
      assert.ok(!kidsInJwks().includes(first.kid));
      assert.deepEqual(kidsInJwks(), [second.kid]);
    });

    it('refuses to retire a key twice and to promote a retired key', () => {
      assert.throws(() => ring.retire(first.kid), /already retired/);
      assert.throws(() => ring.promote(first.kid), /is retired; publish it first/);
    });

    it('writes every key file with mode 0600 in a 0700 directory, and leaves no temporary files', () => {
      const files = readdirSync(ring.dir);
      assert.ok(files.length >= 3, files.join(', '));
      for (const name of files) {
        assert.ok(name.endsWith('.json'), `no leftover ${name}`);
        assert.equal(statSync(path.join(ring.dir, name)).mode & 0o777, 0o600, `${name} is readable by its owner only`);
      }
      assert.equal(statSync(ring.dir).mode & 0o777, 0o700);
    });

    it('reports an unknown kid with a hint to list the keys', () => {
      assert.throws(() => ring.get('no-such-kid'), (error: unknown) => error instanceof KeyRingError && /npm run keys -- list/.test(error.message));
    });
  });

  describe('promote --force', () => {
    it('promotes a freshly staged key at once with force, even while another key is active', async () => {
      const clock = manualClock();
      const ring = new KeyRing(path.join(tempDir('ring'), 'keys'), {
        publishLeadSeconds: LEAD,
        longestSignedTokenSeconds: LONGEST_TOKEN,
        now: clock.now,
      });
      const old = await ring.generate('EC');
      ring.stage(old.kid);
      ring.promote(old.kid);
      clock.advance(1);
      const next = await ring.generate('EC');
      ring.stage(next.kid);
      assert.throws(() => ring.promote(next.kid), KeyRingError);
      assert.equal(ring.promote(next.kid, { force: true }).state, 'active');
      assert.equal(ring.get(old.kid).state, 'previous');
      assert.deepEqual(ring.signingJwks().keys.map((jwk) => jwk.kid), [next.kid, old.kid]);
    });

    it('refuses to promote a key that was never staged, even with force', async () => {
      const ring = new KeyRing(path.join(tempDir('ring'), 'keys'), { publishLeadSeconds: LEAD, longestSignedTokenSeconds: LONGEST_TOKEN });
      const key = await ring.generate('EC');
      assert.throws(() => ring.promote(key.kid, { force: true }), /is generated; publish it first with `keys stage/);
    });
  });

  describe('key material', () => {
    let ring: KeyRing;
    let ec: KeyRecord;
    let rsa: KeyRecord;

    before(async function () {
      this.timeout(15_000);
      ring = new KeyRing(path.join(tempDir('ring'), 'keys'), { publishLeadSeconds: LEAD, longestSignedTokenSeconds: LONGEST_TOKEN });
      ec = await ring.generate('EC');
      rsa = await ring.generate('RSA');
    });

    it('pins alg ES256 on EC keys (P-256, use sig)', () => {
      assert.equal(ec.jwk.kty, 'EC');
      assert.equal(ec.jwk.crv, 'P-256');
      assert.equal(ec.jwk.alg, 'ES256');
      assert.equal(ec.jwk.use, 'sig');
    });

    it('generates RSA keys (3072 bits) without alg, so one key serves RS256 and PS256', async () => {
      assert.equal(rsa.jwk.kty, 'RSA');
      assert.equal(rsa.jwk.alg, undefined);
      assert.equal(rsa.jwk.use, 'sig');
      assert.equal(Buffer.from(rsa.jwk.n!, 'base64url').length * 8, 3072);
      const publicJwk = Object.fromEntries(Object.entries(rsa.jwk).filter(([member]) => !(PRIVATE_MEMBERS as readonly string[]).includes(member) && member !== 'oth')) as JWK;
      for (const alg of ['RS256', 'PS256']) {
        const jws = await new CompactSign(new TextEncoder().encode('payload'))
          .setProtectedHeader({ alg, kid: rsa.kid })
          .sign(await importJWK(rsa.jwk, alg));
        const { protectedHeader } = await compactVerify(jws, await importJWK(publicJwk, alg));
        assert.equal(protectedHeader.alg, alg);
      }
    });

    it('uses the RFC 7638 JWK thumbprint as kid, of the public and of the private key alike', async () => {
      for (const record of [ec, rsa]) {
        assert.equal(record.kid, await calculateJwkThumbprint(record.jwk));
        const publicJwk = Object.fromEntries(Object.entries(record.jwk).filter(([member]) => !(PRIVATE_MEMBERS as readonly string[]).includes(member))) as JWK;
        assert.equal(record.kid, await calculateJwkThumbprint(publicJwk, 'sha256'));
        assert.equal(record.jwk.kid, record.kid);
        assert.ok(existsSync(path.join(ring.dir, `${record.kid}.json`)), 'the file is named after the kid');
      }
    });

    it('gives every generated key its own kid', async () => {
      const another = await ring.generate('EC');
      assert.notEqual(another.kid, ec.kid);
    });
  });

  describe('JWKS served by the real app', () => {
    let app: TestApp;
    before(async function () {
      this.timeout(20_000);
      app = await startTestApp();
    });
    after(() => app?.close());

    it('exposes public parts only: no key has d, p, q, dp, dq or qi', async () => {
      const { status, body } = await app.agent().get('/jwks');
      assert.equal(status, 200);
      const keys = (body as { keys: Record<string, unknown>[] }).keys;
      assert.ok(keys.length >= 2, JSON.stringify(body));
      for (const key of keys) assertPublicOnly(key, `key ${String(key.kid)}`);
    });

    it('contains at least one EC key with alg ES256 and one RSA key', async () => {
      const { body } = await app.agent().get('/jwks');
      const keys = (body as { keys: Record<string, unknown>[] }).keys;
      assert.ok(keys.some((key) => key.kty === 'EC' && key.alg === 'ES256' && key.crv === 'P-256'), JSON.stringify(keys));
      assert.ok(keys.some((key) => key.kty === 'RSA' && typeof key.n === 'string' && typeof key.e === 'string'), JSON.stringify(keys));
    });
  });

  describe('JWKS of a ring with a staged key', () => {
    let app: TestApp;
    let active: KeyRecord;
    let staged: KeyRecord;

    before(async function () {
      this.timeout(20_000);
      const keysDir = tempDir('app-keys');
      const ring = new KeyRing(keysDir, { publishLeadSeconds: LEAD, longestSignedTokenSeconds: LONGEST_TOKEN });
      active = await ring.generate('EC');
      ring.stage(active.kid);
      active = ring.promote(active.kid);
      staged = await ring.generate('EC');
      staged = ring.stage(staged.kid);
      app = await startTestApp({ KEYS_DIR: keysDir });
    });
    after(() => app?.close());

    it('publishes both the active and the staged EC key, active first, to an anonymous GET /jwks (no token needed)', async () => {
      const { status, body } = await app.agent().get('/jwks');
      assert.equal(status, 200);
      const keys = (body as { keys: Record<string, unknown>[] }).keys;
      const ecKids = keys.filter((key) => key.kty === 'EC').map((key) => key.kid);
      assert.deepEqual(ecKids, [active.kid, staged.kid]);
      for (const key of keys) assertPublicOnly(key, `key ${String(key.kid)}`);
    });

    it('keeps signing with the active key: the app did not generate a development EC key next to it', () => {
      const ring = app.dinhdanh.keyRing;
      const ecRecords = ring.list().filter((record) => record.family === 'EC');
      assert.deepEqual(ecRecords.map((record) => [record.kid, record.state]), [[active.kid, 'active'], [staged.kid, 'staged']]);
    });
  });

  describe('CLI (npm run keys)', () => {
    interface Exit {
      code: number | null;
      stdout: string;
      stderr: string;
    }

    /** Spawns `node --import tsx src/keys/cli.ts <args>` on `keysDir` in test mode. */
    function keys(keysDir: string, args: string[], environment: Record<string, string> = {}): Promise<Exit> {
      return new Promise((resolve, reject) => {
        const child = spawn(nodeBinary, ['--import', 'tsx', 'src/keys/cli.ts', ...args], {
          cwd: projectRoot,
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), NODE_ENV: 'test', KEYS_DIR: keysDir, ...environment },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`keys ${args.join(' ')} did not exit within 10 s\nstdout: ${stdout}\nstderr: ${stderr}`));
        }, 10_000);
        child.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
      });
    }
    const show = (exit: Exit) => `exit ${exit.code}\nstdout: ${exit.stdout}\nstderr: ${exit.stderr}`;
    const kidOf = (exit: Exit): string => {
      const match = /^generated (\S+) \(ES256\), not yet published$/m.exec(exit.stdout);
      assert.ok(match, show(exit));
      return match[1]!;
    };
    const stateIn = (listing: string, kid: string): string | undefined =>
      listing.split('\n').find((line) => line.startsWith(kid))?.split(/\s{2,}/)[2];

    let keysDir: string;
    let firstKid: string;
    let secondKid: string;

    before(() => {
      keysDir = tempDir('cli-keys');
    });

    it('lists an empty ring', async () => {
      const exit = await keys(keysDir, ['list']);
      assert.equal(exit.code, 0, show(exit));
      assert.match(exit.stdout, /no keys in /);
    });

    it('generate --type EC prints the kid of a new, unpublished key', async () => {
      const exit = await keys(keysDir, ['generate', '--type', 'EC']);
      assert.equal(exit.code, 0, show(exit));
      firstKid = kidOf(exit);
      assert.ok(existsSync(path.join(keysDir, `${firstKid}.json`)));
    });

    it('list shows the new key as generated, ES256, made by an operator', async () => {
      const exit = await keys(keysDir, ['list']);
      assert.equal(exit.code, 0, show(exit));
      const line = exit.stdout.split('\n').find((candidate) => candidate.startsWith(firstKid));
      assert.ok(line, show(exit));
      assert.match(line, /ES256/);
      assert.match(line, /operator/);
      assert.equal(stateIn(exit.stdout, firstKid), 'generated');
    });

    it('stage <kid> publishes it', async () => {
      const exit = await keys(keysDir, ['stage', firstKid]);
      assert.equal(exit.code, 0, show(exit));
      assert.match(exit.stdout, new RegExp(`^staged ${firstKid}: published in the JWKS`));
      assert.equal(stateIn((await keys(keysDir, ['list'])).stdout, firstKid), 'staged');
    });

    it('promote <kid> makes it sign when no other EC key is active', async () => {
      const exit = await keys(keysDir, ['promote', firstKid], { KEYS_PUBLISH_LEAD_SECONDS: '3600' });
      assert.equal(exit.code, 0, show(exit));
      assert.match(exit.stdout, new RegExp(`^promoted ${firstKid}`));
      assert.equal(stateIn((await keys(keysDir, ['list'])).stdout, firstKid), 'active');
    });

    it('refuses to promote a second key without --force before keys.publishLeadSeconds (exit 1, says to wait)', async () => {
      secondKid = kidOf(await keys(keysDir, ['generate']));
      assert.equal((await keys(keysDir, ['stage', secondKid])).code, 0);
      const exit = await keys(keysDir, ['promote', secondKid], { KEYS_PUBLISH_LEAD_SECONDS: '3600' });
      assert.equal(exit.code, 1, show(exit));
      assert.match(exit.stderr, /^keys: key \S+ has been published for \d+ s/);
      assert.match(exit.stderr, /Wait \d+ s more \(keys\.publishLeadSeconds\) or pass --force/);
      const listing = (await keys(keysDir, ['list'])).stdout;
      assert.equal(stateIn(listing, secondKid), 'staged');
      assert.equal(stateIn(listing, firstKid), 'active');
    });

    it('promote --force promotes it at once and demotes the old key to previous', async () => {
      const exit = await keys(keysDir, ['promote', secondKid, '--force'], { KEYS_PUBLISH_LEAD_SECONDS: '3600' });
      assert.equal(exit.code, 0, show(exit));
      const listing = (await keys(keysDir, ['list'])).stdout;
      assert.equal(stateIn(listing, secondKid), 'active');
      assert.equal(stateIn(listing, firstKid), 'previous');
    });

    it('refuses to retire the active key (exit 1)', async () => {
      const exit = await keys(keysDir, ['retire', secondKid]);
      assert.equal(exit.code, 1, show(exit));
      assert.match(exit.stderr, /is signing; promote its successor first/);
      assert.equal(stateIn((await keys(keysDir, ['list'])).stdout, secondKid), 'active');
    });

    it('refuses a command that needs a kid when none is given (exit 1)', async () => {
      const exit = await keys(keysDir, ['stage']);
      assert.equal(exit.code, 1, show(exit));
      assert.match(exit.stderr, /"stage" needs a key id/);
    });

    it('rejects an unknown command with exit 1 and the usage', async () => {
      const exit = await keys(keysDir, ['explode']);
      assert.equal(exit.code, 1, show(exit));
      assert.match(exit.stderr, /unknown command "explode"/);
      assert.match(exit.stderr, /usage: npm run keys -- <command>/);
    });

    it('rejects --type DSA with exit 1 and writes no key', async () => {
      const before = readdirSync(keysDir).sort();
      const exit = await keys(keysDir, ['generate', '--type', 'DSA']);
      assert.equal(exit.code, 1, show(exit));
      assert.match(exit.stderr, /--type must be EC or RSA, got "DSA"/);
      assert.deepEqual(readdirSync(keysDir).sort(), before);
    });

    it('prints the usage and exits 1 without a command', async () => {
      const exit = await keys(keysDir, []);
      assert.equal(exit.code, 1, show(exit));
      assert.match(exit.stdout, /usage: npm run keys -- <command>/);
    });
  });
});
