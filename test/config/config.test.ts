/**
 * `loadConfig` (defaults → mode file → CONFIG_FILE → environment, parsed, refused in production, frozen), the
 * process-level behaviour of `npm start` on a bad configuration, and the key ring's production refusals.
 *
 * Every call passes an explicit environment object: nothing here depends on the shell's process.env.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { KeyRing, KeyRingError, loadSigningKeys } from '../../src/keys/keyring.ts';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const nodeBinary = path.join(projectRoot, 'node_modules/.bin/node');
const defaults = JSON.parse(readFileSync(path.join(projectRoot, 'config/default.json'), 'utf8')) as {
  cookies: { keys: string[] };
  secrets: { keys: string[] };
};

const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `dinhdanh-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs `loadConfig` and returns its ConfigError; fails the test if it loads or throws anything else. */
function configError(environment: Record<string, string | undefined>, applyProductionRefusals = true): ConfigError {
  try {
    loadConfig({ environment, applyProductionRefusals });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${(error as Error)?.stack ?? String(error)}`);
    return error;
  }
  assert.fail(`expected loadConfig to refuse ${JSON.stringify(environment)}`);
}

/** The single problem reported for `environment` (exactly one is expected). */
function onlyProblem(environment: Record<string, string | undefined>): string {
  const error = configError(environment);
  assert.equal(error.problems.length, 1, `expected one problem, got:\n${error.problems.join('\n')}`);
  assert.ok(error.message.includes(error.problems[0]!), 'the error message lists every problem');
  return error.problems[0]!;
}

function assertNamesSetting(problem: string, env: string, dotted: string): void {
  assert.ok(problem.includes(env), `names the environment variable ${env}: ${problem}`);
  assert.ok(problem.includes(`(${dotted})`), `names the setting path ${dotted}: ${problem}`);
  assert.ok(problem.includes(`Set ${env} or change "${dotted}" in config/`), `says how to fix it: ${problem}`);
}

function assertDeeplyFrozen(value: unknown, where = 'config'): void {
  if (typeof value !== 'object' || value === null) return;
  assert.ok(Object.isFrozen(value), `${where} is frozen`);
  for (const [key, child] of Object.entries(value)) assertDeeplyFrozen(child, `${where}.${key}`);
}

describe('configuration loading (loadConfig)', () => {
  describe('defaults and environment overrides', () => {
    it('loads the defaults in development when the environment sets nothing', () => {
      const config = loadConfig({ environment: {} });
      assert.equal(config.env, 'development');
      assert.equal(config.issuer, 'http://localhost:3000');
      assert.equal(config.http.port, 3000);
      assert.equal(config.http.trustProxy, false);
      assert.deepEqual(config.cookies.keys, defaults.cookies.keys);
      assert.equal(config.stores.backend, 'memory');
      assert.equal(config.demo.seed, true);
      assert.equal(config.keys.generateMissing, true);
    });

    it('returns a deeply frozen object: assigning to any level throws in strict mode', () => {
      const config = loadConfig({ environment: {} });
      assertDeeplyFrozen(config);
      assert.throws(() => {
        (config as { issuer: string }).issuer = 'https://evil.example';
      }, TypeError);
      assert.throws(() => {
        (config.http as { port: number }).port = 1;
      }, TypeError);
      assert.throws(() => {
        (config.oidc.ttl as { idToken: number }).idToken = 1;
      }, TypeError);
      assert.throws(() => {
        (config.cookies.keys as string[]).push('x'.repeat(40));
      }, TypeError);
      assert.equal(config.http.port, 3000);
      assert.equal(config.cookies.keys.length, defaults.cookies.keys.length);
    });

    it('reads PORT as a number', () => {
      assert.equal(loadConfig({ environment: { PORT: '8080' } }).http.port, 8080);
    });

    it('reads TRUST_PROXY as a boolean (true/false, on/off, 1/0, yes/no)', () => {
      for (const yes of ['true', 'on', '1', 'yes', 'TRUE']) {
        assert.equal(loadConfig({ environment: { TRUST_PROXY: yes } }).http.trustProxy, true, yes);
      }
      for (const no of ['false', 'off', '0', 'no']) {
        assert.equal(loadConfig({ environment: { TRUST_PROXY: no } }).http.trustProxy, false, no);
      }
    });

    it('reads COOKIE_KEYS as a comma-separated list, trimming spaces and empty entries', () => {
      const first = 'a'.repeat(32);
      const second = 'b'.repeat(48);
      const config = loadConfig({ environment: { COOKIE_KEYS: ` ${first} ,${second},` } });
      assert.deepEqual(config.cookies.keys, [first, second]);
    });

    it('reads ISSUER verbatim', () => {
      assert.equal(loadConfig({ environment: { ISSUER: 'https://id.example.vn' } }).issuer, 'https://id.example.vn');
    });

    it('merges config/<NODE_ENV>.json over the defaults (test mode: publishLeadSeconds 1, silent log)', () => {
      const config = loadConfig({ environment: { NODE_ENV: 'test' } });
      assert.equal(config.env, 'test');
      assert.equal(config.keys.publishLeadSeconds, 1);
      assert.equal(config.log.level, 'silent');
      assert.equal(config.http.port, 3000, 'untouched settings keep their defaults');
    });

    it('lets the environment override a CONFIG_FILE, which overrides the defaults', () => {
      const file = path.join(tempDir('config'), 'site.json');
      writeFileSync(file, JSON.stringify({ http: { port: 4000, host: '127.0.0.1' } }));
      const fromFile = loadConfig({ environment: { CONFIG_FILE: file } });
      assert.equal(fromFile.http.port, 4000);
      assert.equal(fromFile.http.host, '127.0.0.1');
      assert.equal(loadConfig({ environment: { CONFIG_FILE: file, PORT: '5000' } }).http.port, 5000);
    });

    it('ignores empty environment variables (an unset value in a shell script keeps the default)', () => {
      assert.equal(loadConfig({ environment: { PORT: '', ISSUER: '' } }).http.port, 3000);
    });
  });

  describe('validation failures throw a ConfigError naming the variable, the setting and the fix', () => {
    it('refuses a non-numeric PORT with a message naming PORT and http.port', () => {
      const problem = onlyProblem({ PORT: 'notaport' });
      assertNamesSetting(problem, 'PORT', 'http.port');
      assert.match(problem, /expected number/);
    });

    it('refuses an out-of-range PORT (above 65535 and below 0)', () => {
      const tooBig = onlyProblem({ PORT: '70000' });
      assertNamesSetting(tooBig, 'PORT', 'http.port');
      assert.match(tooBig, /65535/);
      assertNamesSetting(onlyProblem({ PORT: '-1' }), 'PORT', 'http.port');
    });

    it('refuses a fractional PORT', () => {
      assertNamesSetting(onlyProblem({ PORT: '80.5' }), 'PORT', 'http.port');
    });

    it('refuses TRUST_PROXY=maybe with a message naming TRUST_PROXY and http.trustProxy', () => {
      const problem = onlyProblem({ TRUST_PROXY: 'maybe' });
      assertNamesSetting(problem, 'TRUST_PROXY', 'http.trustProxy');
      assert.match(problem, /expected boolean/);
    });

    it('refuses an ISSUER that is not a URL', () => {
      const problem = onlyProblem({ ISSUER: 'not a url' });
      assertNamesSetting(problem, 'ISSUER', 'issuer');
      assert.match(problem, /must be an absolute http\(s\) URL/);
    });

    it('refuses an ISSUER with a scheme other than http(s)', () => {
      assertNamesSetting(onlyProblem({ ISSUER: 'ftp://id.example.vn' }), 'ISSUER', 'issuer');
    });

    it('refuses an ISSUER ending with "/"', () => {
      const problem = onlyProblem({ ISSUER: 'https://id.example.vn/' });
      assertNamesSetting(problem, 'ISSUER', 'issuer');
      assert.match(problem, /must not end with "\/"/);
    });

    it('refuses a cookie key shorter than 32 characters without printing any key', () => {
      const shortKey = 'short-secret-cookie-key';
      const longKey = 'l'.repeat(40);
      const error = configError({ COOKIE_KEYS: `${longKey},${shortKey}` });
      assert.equal(error.problems.length, 1);
      assertNamesSetting(error.problems[0]!, 'COOKIE_KEYS', 'cookies.keys');
      assert.match(error.problems[0]!, /at least 32 characters/);
      assert.ok(!error.message.includes(shortKey) && !error.message.includes(longKey), 'COOKIE_KEYS is secret: never printed');
    });

    it('refuses COOKIE_KEYS that contain no key at all', () => {
      assertNamesSetting(onlyProblem({ COOKIE_KEYS: ' , ,' }), 'COOKIE_KEYS', 'cookies.keys');
    });

    it('refuses an unknown STORE_BACKEND and lists the accepted ones', () => {
      const problem = onlyProblem({ STORE_BACKEND: 'postgres' });
      assertNamesSetting(problem, 'STORE_BACKEND', 'stores.backend');
      assert.match(problem, /"memory"\|"redis-mongo"/);
    });

    it('refuses an unknown NODE_ENV value and lists the accepted modes', () => {
      const problem = onlyProblem({ NODE_ENV: 'staging' });
      assertNamesSetting(problem, 'NODE_ENV', 'env');
      assert.match(problem, /"development"\|"test"\|"production"/);
    });

    it('refuses a CONFIG_FILE that does not exist, naming CONFIG_FILE, the path and the fix', () => {
      const missing = path.join(tempDir('config'), 'missing.json');
      const problem = onlyProblem({ CONFIG_FILE: missing });
      assert.ok(problem.includes('CONFIG_FILE'), problem);
      assert.ok(problem.includes(missing), problem);
      assert.match(problem, /Fix the path or unset CONFIG_FILE/);
    });

    it('refuses a CONFIG_FILE with invalid JSON, naming CONFIG_FILE, the path and the fix', () => {
      const file = path.join(tempDir('config'), 'broken.json');
      writeFileSync(file, '{ "http": { "port": 4000, } ');
      const problem = onlyProblem({ CONFIG_FILE: file });
      assert.ok(problem.includes('CONFIG_FILE'), problem);
      assert.ok(problem.includes(file), problem);
      assert.match(problem, /cannot be read as JSON/);
      assert.match(problem, /Fix the file or remove it/);
    });

    it('refuses a CONFIG_FILE whose JSON is not an object (null, array) with a ConfigError, not a crash', () => {
      const dir = tempDir('config');
      for (const [name, content] of [['null.json', 'null'], ['array.json', '[1, 2]'], ['number.json', '42']] as const) {
        const file = path.join(dir, name);
        writeFileSync(file, content);
        const problem = onlyProblem({ CONFIG_FILE: file });
        assert.ok(problem.includes('CONFIG_FILE') && problem.includes(file), problem);
        assert.match(problem, /must contain a JSON object of settings/);
      }
    });

    it('refuses a CONFIG_FILE containing an unknown setting and names it (strict schema)', () => {
      const file = path.join(tempDir('config'), 'typo.json');
      writeFileSync(file, JSON.stringify({ http: { prot: 4000 }, colour: 'blue' }));
      const error = configError({ CONFIG_FILE: file });
      assert.equal(error.problems.length, 2, error.problems.join('\n'));
      const nested = error.problems.find((problem) => problem.includes('"prot"'));
      assert.ok(nested, error.problems.join('\n'));
      assert.match(nested, /unknown setting\(s\) in "http" "prot"/);
      assert.match(nested, /remove them or check the spelling/);
      const topLevel = error.problems.find((problem) => problem.includes('"colour"'));
      assert.ok(topLevel, error.problems.join('\n'));
      assert.match(topLevel, /unknown setting\(s\) "colour"/);
    });

    it('reports every problem at once instead of stopping at the first', () => {
      const missing = path.join(tempDir('config'), 'missing.json');
      const error = configError({
        PORT: 'notaport',
        TRUST_PROXY: 'maybe',
        ISSUER: 'https://id.example.vn/',
        STORE_BACKEND: 'postgres',
        CONFIG_FILE: missing,
      });
      assert.equal(error.problems.length, 5, error.problems.join('\n'));
      for (const env of ['PORT', 'TRUST_PROXY', 'ISSUER', 'STORE_BACKEND', 'CONFIG_FILE']) {
        assert.ok(error.problems.some((problem) => problem.includes(env)), `${env} is reported`);
      }
      assert.match(error.message, /has 5 problem\(s\)/);
      assert.equal(error.name, 'ConfigError');
    });
  });

  describe('production refusals', () => {
    const ownCookieKeys = ['own-cookie-key-0123456789abcdefghijklmnopqrstuvwxyz', 'own-cookie-key-abcdefghijklmnopqrstuvwxyz0123456789'];
    const ownSecretsKey = 'prod-2026:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8';

    /** Production with every refusal that the schema lets an operator fix, fixed. */
    const fixedProduction = (): Record<string, string> => ({
      NODE_ENV: 'production',
      ISSUER: 'https://id.example.vn',
      COOKIE_KEYS: ownCookieKeys.join(','),
      SECRETS_KEYS: ownSecretsKey,
      STORE_BACKEND: 'redis-mongo',
      REGISTRY_MODE: 'http',
      SMS_PROVIDER: 'http',
      SMS_GATEWAY_URL: 'https://sms.example.vn/send',
      SMS_GATEWAY_TOKEN: 'gateway-token-0123456789',
      OIDC_DEV_INTERACTIONS: 'false',
      DEMO_SEED: 'false',
      KEYS_GENERATE_MISSING: 'false',
      FACE_MATCHER: 'http',
      FACE_MATCHER_URL: 'https://face.example.vn/compare',
      FACE_MATCHER_TOKEN: 'face-token-0123456789',
      CHIP_DEVELOPMENT_ISSUER: 'false',
      PAIRWISE_SUBJECT_SECRET: 'own-pairwise-secret-0123456789abcdefghijklmnop',
    });

    const refusal = {
      devInteractions: 'OIDC_DEV_INTERACTIONS (oidc.devInteractions) is on',
      httpIssuer: 'ISSUER (issuer) is http://',
      cookieKeys: 'COOKIE_KEYS (cookies.keys) contains the published development keys',
      secretsKeys: 'SECRETS_KEYS (secrets.keys) contains the published development key',
      demoSeed: 'DEMO_SEED (demo.seed) is on',
      generateMissing: 'KEYS_GENERATE_MISSING (keys.generateMissing) is on',
      memoryStores: 'STORE_BACKEND (stores.backend) is "memory"',
      simulatedRegistry: 'REGISTRY_MODE (registry.mode) is "simulated"',
      smsGatewayToken: 'SMS_GATEWAY_TOKEN (sms.gatewayToken) is empty',
      smsOutbox: 'SMS_PROVIDER (sms.provider) is "development-outbox"',
      faceMatcher: 'FACE_MATCHER (faceMatcher.provider) is "development"',
      faceMatcherToken: 'FACE_MATCHER_TOKEN (faceMatcher.token) is empty',
      chipIssuer: 'CHIP_DEVELOPMENT_ISSUER (chip.developmentIssuer) is on',
      pairwiseSecret: 'PAIRWISE_SUBJECT_SECRET (oidc.pairwiseSecret) is the published development value',
    } as const;

    /** The problems loadConfig reports for `environment` ([] when it loads). */
    function problemsOf(environment: Record<string, string>): readonly string[] {
      try {
        loadConfig({ environment });
        return [];
      } catch (error) {
        assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${(error as Error)?.stack ?? String(error)}`);
        return error.problems;
      }
    }
    const reports = (problems: readonly string[], message: string) => problems.some((problem) => problem.includes(message));

    it('starts in production once every refusal is fixed (the baseline for the cases below)', () => {
      assert.deepEqual(problemsOf(fixedProduction()), []);
    });

    const cases: { name: string; message: string; flip: Record<string, string>; fix: Record<string, string> }[] = [
      {
        name: "oidc-provider's development interactions (OIDC_DEV_INTERACTIONS=true)",
        message: refusal.devInteractions,
        flip: { OIDC_DEV_INTERACTIONS: 'true' },
        fix: { OIDC_DEV_INTERACTIONS: 'false' },
      },
      {
        name: 'an http: issuer (the message names ISSUER)',
        message: refusal.httpIssuer,
        flip: { ISSUER: 'http://id.example.vn' },
        fix: { ISSUER: 'https://id.example.vn' },
      },
      {
        name: 'the default cookie keys from config/default.json',
        message: refusal.cookieKeys,
        flip: { COOKIE_KEYS: defaults.cookies.keys.join(',') },
        fix: { COOKIE_KEYS: ownCookieKeys.join(',') },
      },
      {
        name: 'one default cookie key mixed with an own key',
        message: refusal.cookieKeys,
        flip: { COOKIE_KEYS: `${ownCookieKeys[0]},${defaults.cookies.keys[1]}` },
        fix: { COOKIE_KEYS: ownCookieKeys.join(',') },
      },
      {
        name: 'the default secrets-at-rest key from config/default.json',
        message: refusal.secretsKeys,
        flip: { SECRETS_KEYS: defaults.secrets.keys.join(',') },
        fix: { SECRETS_KEYS: ownSecretsKey },
      },
      {
        name: 'the demo seed (DEMO_SEED=true)',
        message: refusal.demoSeed,
        flip: { DEMO_SEED: 'true' },
        fix: { DEMO_SEED: 'false' },
      },
      {
        name: 'generating missing signing keys at start-up (KEYS_GENERATE_MISSING=true)',
        message: refusal.generateMissing,
        flip: { KEYS_GENERATE_MISSING: 'true' },
        fix: { KEYS_GENERATE_MISSING: 'false' },
      },
      {
        name: 'memory stores (STORE_BACKEND=memory)',
        message: refusal.memoryStores,
        flip: { STORE_BACKEND: 'memory' },
        fix: { STORE_BACKEND: 'redis-mongo' },
      },
      {
        name: 'the simulated population registry (REGISTRY_MODE=simulated)',
        message: refusal.simulatedRegistry,
        flip: { REGISTRY_MODE: 'simulated' },
        fix: { REGISTRY_MODE: 'http' },
      },
      {
        name: 'the development SMS outbox (SMS_PROVIDER=development-outbox)',
        message: refusal.smsOutbox,
        flip: { SMS_PROVIDER: 'development-outbox' },
        fix: { SMS_PROVIDER: 'http' },
      },
      {
        name: 'the development face matcher, which compares no faces (FACE_MATCHER=development)',
        message: refusal.faceMatcher,
        flip: { FACE_MATCHER: 'development' },
        fix: { FACE_MATCHER: 'http' },
      },
      {
        name: 'a face comparison service without a token',
        message: refusal.faceMatcherToken,
        flip: { FACE_MATCHER_TOKEN: '' },
        fix: { FACE_MATCHER_TOKEN: 'face-token-0123456789' },
      },
      {
        name: 'the synthetic chip CSCA (CHIP_DEVELOPMENT_ISSUER=true)',
        message: refusal.chipIssuer,
        flip: { CHIP_DEVELOPMENT_ISSUER: 'true' },
        fix: { CHIP_DEVELOPMENT_ISSUER: 'false' },
      },
      {
        name: 'the development pairwise-subject secret',
        message: refusal.pairwiseSecret,
        flip: { PAIRWISE_SUBJECT_SECRET: 'development-only-pairwise-subject-secret-not-for-production' },
        fix: { PAIRWISE_SUBJECT_SECRET: 'own-pairwise-secret-0123456789abcdefghijklmnop' },
      },
      {
        name: 'an SMS gateway without a token',
        message: refusal.smsGatewayToken,
        flip: { SMS_GATEWAY_TOKEN: '' },
        fix: { SMS_GATEWAY_TOKEN: 'gateway-token-0123456789' },
      },
    ];

    for (const { name, message, flip, fix } of cases) {
      it(`refuses ${name} in production, and no longer once it is fixed`, () => {
        const flipped = problemsOf({ ...fixedProduction(), ...flip });
        assert.ok(reports(flipped, message), `expected "${message}" in:\n${flipped.join('\n')}`);
        assert.equal(flipped.length, 1, `only this refusal is reported:\n${flipped.join('\n')}`);
        const fixed = problemsOf({ ...fixedProduction(), ...fix });
        assert.ok(!reports(fixed, message), `did not expect "${message}" in:\n${fixed.join('\n')}`);
      });
    }

    it('each refusal message says how to fix it', () => {
      const problems = [
        ...problemsOf({ NODE_ENV: 'production', OIDC_DEV_INTERACTIONS: 'true', DEMO_SEED: 'true', KEYS_GENERATE_MISSING: 'true' }),
        // The gateway-token refusal exists only once an HTTP gateway is chosen.
        ...problemsOf({ ...fixedProduction(), SMS_GATEWAY_TOKEN: '' }),
        // Likewise the face-service token, once an HTTP face service is chosen.
        ...problemsOf({ ...fixedProduction(), FACE_MATCHER_TOKEN: '' }),
      ];
      assert.equal(problems.length, Object.keys(refusal).length, problems.join('\n'));
      for (const message of Object.values(refusal)) assert.ok(reports(problems, message), `${message} in:\n${problems.join('\n')}`);
      for (const problem of problems) assert.match(problem, /\b(Set|Configure) /, problem);
    });

    it('refuses memory stores and the development SMS outbox by default in production', () => {
      const problems = problemsOf({ NODE_ENV: 'production' });
      assert.ok(reports(problems, refusal.memoryStores), problems.join('\n'));
      assert.ok(reports(problems, refusal.smsOutbox), problems.join('\n'));
    });

    it('refuses nothing in development or test, where memory stores and the SMS outbox are the defaults', () => {
      for (const mode of ['development', 'test']) {
        const config = loadConfig({ environment: { NODE_ENV: mode, OIDC_DEV_INTERACTIONS: 'true' } });
        assert.equal(config.stores.backend, 'memory');
        assert.equal(config.sms.provider, 'development-outbox');
        assert.equal(config.oidc.devInteractions, true);
      }
    });

    it('skips the refusals with applyProductionRefusals: false (tools that serve no traffic)', () => {
      const config = loadConfig({ environment: { NODE_ENV: 'production' }, applyProductionRefusals: false });
      assert.equal(config.env, 'production');
      assert.equal(config.stores.backend, 'memory');
      assert.deepEqual(config.cookies.keys, defaults.cookies.keys);
      assertDeeplyFrozen(config);
    });

    it('still validates the schema with applyProductionRefusals: false', () => {
      const error = configError({ NODE_ENV: 'production', PORT: 'notaport' }, false);
      assert.equal(error.problems.length, 1);
      assertNamesSetting(error.problems[0]!, 'PORT', 'http.port');
    });
  });
});

describe('npm start on a bad configuration', () => {
  interface Exit {
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }

  /** Spawns `node --import tsx src/main.ts` with exactly `environment` (plus PATH and HOME). */
  function start(environment: Record<string, string>, timeoutMs = 20_000): Promise<Exit> {
    return new Promise((resolve, reject) => {
      const child = spawn(nodeBinary, ['--import', 'tsx', 'src/main.ts'], {
        cwd: projectRoot,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...environment },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`src/main.ts did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
      }, timeoutMs);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr });
      });
    });
  }

  it('exits 78 (EX_CONFIG) in production with the default configuration, naming ISSUER, COOKIE_KEYS and STORE_BACKEND, without a stack trace', async function () {
    this.timeout(25_000);
    const keysDir = tempDir('main-keys');
    const exit = await start({ NODE_ENV: 'production', KEYS_DIR: keysDir });
    assert.equal(exit.code, 78, `exit ${exit.code} ${exit.signal}\nstdout: ${exit.stdout}\nstderr: ${exit.stderr}`);
    assert.ok(!exit.stdout.includes('    at '), `no stack trace on stdout:\n${exit.stdout}`);
    assert.ok(!exit.stderr.includes('    at '), `no stack trace on stderr:\n${exit.stderr}`);
    assert.ok(!exit.stdout.includes('DinhDanh is running'), 'it never started listening');
    for (const env of ['ISSUER', 'COOKIE_KEYS', 'STORE_BACKEND']) assert.ok(exit.stderr.includes(env), `stderr names ${env}:\n${exit.stderr}`);
    assert.match(exit.stderr, /DinhDanh cannot start/);
  });

  it('exits 78 in development on PORT=notaport, naming PORT', async function () {
    this.timeout(25_000);
    const keysDir = tempDir('main-keys');
    const exit = await start({ NODE_ENV: 'development', PORT: 'notaport', KEYS_DIR: keysDir });
    assert.equal(exit.code, 78, `exit ${exit.code} ${exit.signal}\nstdout: ${exit.stdout}\nstderr: ${exit.stderr}`);
    assert.ok(!exit.stdout.includes('    at ') && !exit.stderr.includes('    at '), `no stack trace:\n${exit.stdout}\n${exit.stderr}`);
    assert.match(exit.stderr, /PORT \(http\.port\)/);
  });
});

describe('production refuses development signing keys (loadSigningKeys)', () => {
  const policy = { publishLeadSeconds: 86_400, longestSignedTokenSeconds: 600 };

  it('refuses the development keys that a development start created, saying they are development keys', async function () {
    this.timeout(15_000);
    const ring = new KeyRing(path.join(tempDir('ring'), 'keys'), policy);
    const developmentStart = await loadSigningKeys(ring, { production: false, generateMissing: true });
    assert.equal(developmentStart.notices.length, 2, 'one development EC key and one development RSA key');
    assert.ok(ring.list().every((record) => record.origin === 'development' && record.state === 'active'));

    await assert.rejects(loadSigningKeys(ring, { production: true, generateMissing: false }), (error: unknown) => {
      assert.ok(error instanceof KeyRingError, String(error));
      assert.match(error.message, /production refuses development signing keys/);
      for (const record of ring.list()) assert.ok(error.message.includes(record.kid), `names ${record.kid}`);
      assert.match(error.message, /npm run keys/);
      return true;
    });
  });

  it('refuses an empty ring in production, saying no active ES256 key and how to fix it (npm run keys)', async () => {
    const ring = new KeyRing(path.join(tempDir('ring'), 'keys'), policy);
    await assert.rejects(loadSigningKeys(ring, { production: true, generateMissing: false }), (error: unknown) => {
      assert.ok(error instanceof KeyRingError, String(error));
      assert.match(error.message, /no active ES256 signing key/);
      assert.match(error.message, /npm run keys -- generate --type EC/);
      assert.match(error.message, /stage.*promote/);
      return true;
    });
  });

  it('never generates keys in production, even when asked to', async () => {
    const ring = new KeyRing(path.join(tempDir('ring'), 'keys'), policy);
    await assert.rejects(loadSigningKeys(ring, { production: true, generateMissing: true }), KeyRingError);
    assert.deepEqual(ring.list(), []);
  });

  it('refuses an empty ring outside production when generateMissing is off', async () => {
    const ring = new KeyRing(path.join(tempDir('ring'), 'keys'), policy);
    await assert.rejects(loadSigningKeys(ring, { production: false, generateMissing: false }), /no active ES256 signing key/);
  });
});
