/**
 * The one description of every DinhDanh setting: its type, its environment variable and what it means.
 *
 * Defaults live in `config/default.json` (and `config/<NODE_ENV>.json` when present); the environment
 * overrides them. `loadConfig` parses the result once with this schema and freezes it. Every leaf carries
 * `.meta({ env, description })` so the loader and `npm run config:docs` (the README's reference table) read
 * the same source.
 */
import { z } from 'zod';

export interface SettingMeta {
  /** Environment variable that overrides the setting. */
  env: string;
  /** One line for operators: what it does and when to change it. */
  description: string;
  /** Values are never printed (error messages, `config:docs`). */
  secret?: boolean;
}

function setting<T extends z.ZodType>(schema: T, meta: SettingMeta): T {
  return schema.meta(meta as unknown as Record<string, unknown>) as T;
}

const seconds = z.number().int().positive();
const absoluteUrl = z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' });

export const configSchema = z.strictObject({
  env: setting(z.enum(['development', 'test', 'production']), {
    env: 'NODE_ENV',
    description: 'Run mode. `production` refuses every development convenience (see "Production refusals").',
  }),
  issuer: setting(absoluteUrl.refine((value) => !value.endsWith('/'), 'must not end with "/"'), {
    env: 'ISSUER',
    description: 'Public issuer URL that relying parties see (OIDC Discovery §3). https in production.',
  }),
  http: z.strictObject({
    port: setting(z.number().int().min(0).max(65535), {
      env: 'PORT',
      description: 'TCP port the HTTP server listens on.',
    }),
    host: setting(z.string(), {
      env: 'HOST',
      description: 'Interface to listen on; empty means every interface.',
    }),
    trustProxy: setting(z.boolean(), {
      env: 'TRUST_PROXY',
      description:
        'Trust X-Forwarded-Proto/-For/-Host from a TLS-terminating proxy. Turn on only behind one, or cookies and redirects break.',
    }),
    maxFormBytes: setting(z.number().int().min(1024).max(1024 * 1024), {
      env: 'MAX_FORM_BYTES',
      description: 'Largest accepted body for interaction form posts; larger ones get 413.',
    }),
  }),
  cookies: z.strictObject({
    keys: setting(z.array(z.string().min(32, 'each key must have at least 32 characters')).min(1), {
      env: 'COOKIE_KEYS',
      description:
        'Comma-separated keys that sign cookies; the first signs, all verify (rotate by prepending). Production needs your own.',
      secret: true,
    }),
  }),
  stores: z.strictObject({
    backend: setting(z.enum(['memory', 'redis-mongo']), {
      env: 'STORE_BACKEND',
      description:
        'Where accounts, relying parties, audit events and protocol state live: `memory` (embedded, lost on restart) or `redis-mongo`.',
    }),
  }),
  redis: z.strictObject({
    url: setting(z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }), {
      env: 'REDIS_URL',
      description: 'Redis for protocol state, rate limits and one-time codes (single mode; credentials and TLS via the URL).',
      secret: true,
    }),
    mode: setting(z.enum(['single', 'sentinel', 'cluster']), {
      env: 'REDIS_MODE',
      description: '`single` (REDIS_URL), `sentinel` (REDIS_SENTINELS + REDIS_SENTINEL_MASTER) or `cluster` (REDIS_CLUSTER_NODES).',
    }),
    sentinels: setting(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'each entry must be host:port')), {
      env: 'REDIS_SENTINELS',
      description: 'Comma-separated host:port of the Sentinels (sentinel mode). Password and TLS come from REDIS_URL.',
    }),
    sentinelMaster: setting(z.string().min(1), {
      env: 'REDIS_SENTINEL_MASTER',
      description: 'Name of the master set the Sentinels watch (sentinel mode).',
    }),
    clusterNodes: setting(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'each entry must be host:port')), {
      env: 'REDIS_CLUSTER_NODES',
      description: 'Comma-separated host:port seed nodes (cluster mode). Password and TLS come from REDIS_URL.',
    }),
    keyPrefix: setting(z.string().regex(/^[\w.-]*:$/, 'must end with ":" and contain no spaces or braces'), {
      env: 'REDIS_KEY_PREFIX',
      description: 'Prefix of every key DinhDanh writes, so one Redis can serve several deployments.',
    }),
    commandTimeoutMs: setting(z.number().int().min(50).max(60_000), {
      env: 'REDIS_COMMAND_TIMEOUT_MS',
      description: 'A Redis command not answered within this many ms fails (the citizen sees "please start again"), never hangs.',
    }),
  }),
  mongodb: z.strictObject({
    uri: setting(z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI'), {
      env: 'MONGODB_URI',
      description: 'MongoDB for accounts, credentials, relying parties, consents and the audit log.',
      secret: true,
    }),
    database: setting(z.string().regex(/^[\w-]+$/, 'letters, digits, _ and - only'), {
      env: 'MONGODB_DATABASE',
      description: 'Database name inside the MongoDB deployment.',
    }),
    timeoutMs: setting(z.number().int().min(100).max(60_000), {
      env: 'MONGODB_TIMEOUT_MS',
      description: 'Server selection, connect and per-operation timeout (ms): with MongoDB down, requests fail after this, never hang.',
    }),
  }),
  secrets: z.strictObject({
    keys: setting(
      z
        .array(z.string().regex(/^[\w-]+:[A-Za-z0-9_-]{43}$/, 'each entry must be <key id>:<32 random bytes, base64url>'))
        .min(1),
      {
        env: 'SECRETS_KEYS',
        description:
          'Comma-separated `<key id>:<base64url 32 bytes>` that encrypt secrets at rest (TOTP seeds, relying-party client secrets) with AES-256-GCM; the first encrypts, all decrypt.',
        secret: true,
      },
    ),
  }),
  keys: z.strictObject({
    dir: setting(z.string().min(1), {
      env: 'KEYS_DIR',
      description: 'Directory holding the signing key ring (see keys/README.md and `npm run keys`).',
    }),
    generateMissing: setting(z.boolean(), {
      env: 'KEYS_GENERATE_MISSING',
      description: 'Outside production, create development signing keys at start-up when the ring is empty.',
    }),
    publishLeadSeconds: setting(seconds, {
      env: 'KEYS_PUBLISH_LEAD_SECONDS',
      description: 'How long a staged key must have been published in the JWKS before `keys promote` accepts it.',
    }),
  }),
  oidc: z.strictObject({
    devInteractions: setting(z.boolean(), {
      env: 'OIDC_DEV_INTERACTIONS',
      description: "oidc-provider's built-in development login pages instead of DinhDanh's. Never in production.",
    }),
    ttl: z.strictObject({
      authorizationCode: setting(seconds.max(600), { env: 'TTL_AUTHORIZATION_CODE', description: 'Authorization code lifetime (s).' }),
      accessToken: setting(seconds, { env: 'TTL_ACCESS_TOKEN', description: 'Access token lifetime (s).' }),
      idToken: setting(seconds, { env: 'TTL_ID_TOKEN', description: 'ID token lifetime (s).' }),
      refreshToken: setting(seconds, { env: 'TTL_REFRESH_TOKEN', description: 'Refresh token lifetime (s); each use rotates it.' }),
      interaction: setting(seconds, { env: 'TTL_INTERACTION', description: 'Time a citizen has to finish a login (s).' }),
      session: setting(seconds, { env: 'TTL_SESSION', description: 'Single sign-on session lifetime (s).' }),
    }),
    acr: z.strictObject({
      level1: setting(z.string().min(1), {
        env: 'ACR_LEVEL_1',
        description: 'acr value for level 1 (registry-matched account, one factor). See docs/assurance-levels.md.',
      }),
      level2: setting(z.string().min(1), {
        env: 'ACR_LEVEL_2',
        description: 'acr value for level 2 (chip- or desk-proven identity, two factors).',
      }),
    }),
    level2MaxAgeSeconds: setting(z.number().int().min(60).max(86_400), {
      env: 'LEVEL_2_MAX_AGE_SECONDS',
      description: 'A level-2 session serves level-2 requests this long after its sign-in; then the citizen authenticates again (level 1 still served).',
    }),
    level2IdleSeconds: setting(z.number().int().min(60).max(86_400), {
      env: 'LEVEL_2_IDLE_SECONDS',
      description: 'A level-2 session unused (no sign-in at any service) this long serves level-2 requests only after the citizen authenticates again.',
    }),
    pairwiseSecret: setting(z.string().min(32, 'must have at least 32 characters'), {
      env: 'PAIRWISE_SUBJECT_SECRET',
      description:
        'Key of the pairwise `sub` (HMAC of sector and account). NEVER change it once relying parties hold subs: every pairwise `sub` would change.',
      secret: true,
    }),
  }),
  passwords: z.strictObject({
    memoryKiB: setting(z.number().int().min(8192), {
      env: 'ARGON2_MEMORY_KIB',
      description: 'argon2id memory cost in KiB (OWASP minimum 19456 with 2 passes).',
    }),
    passes: setting(z.number().int().min(1).max(10), { env: 'ARGON2_PASSES', description: 'argon2id time cost (passes).' }),
    parallelism: setting(z.number().int().min(1).max(16), { env: 'ARGON2_PARALLELISM', description: 'argon2id lanes.' }),
  }),
  registry: z.strictObject({
    mode: setting(z.enum(['simulated', 'http']), {
      env: 'REGISTRY_MODE',
      description:
        '`simulated`: the synthetic population in-process (development). `http`: the registry service at REGISTRY_URL (or `npm run registry`). Production refuses `simulated`.',
    }),
    url: setting(absoluteUrl, {
      env: 'REGISTRY_URL',
      description: 'Base URL of the population registry API (http mode).',
    }),
    callerId: setting(z.string().min(1), {
      env: 'REGISTRY_CALLER_ID',
      description: 'Who DinhDanh is to the registry: `iss`/`sub` of the client assertions it signs (RFC 7523).',
    }),
    callerKeyFile: setting(z.string(), {
      env: 'REGISTRY_CALLER_KEY_FILE',
      description: 'Private JWK (ES256) that signs DinhDanh\'s client assertions to the registry (http mode).',
    }),
    timeoutMs: setting(z.number().int().min(50).max(30_000), {
      env: 'REGISTRY_TIMEOUT_MS',
      description: 'Per-attempt timeout of a registry call.',
    }),
    retries: setting(z.number().int().min(0).max(5), {
      env: 'REGISTRY_RETRIES',
      description: 'Extra attempts (with jittered backoff) for idempotent registry calls.',
    }),
    claimsCacheSeconds: setting(z.number().int().min(0).max(3600), {
      env: 'REGISTRY_CLAIMS_CACHE_SECONDS',
      description: 'How long identity claims read from the registry may be reused before asking again.',
    }),
    populationSize: setting(z.number().int().min(1).max(1_000_000), {
      env: 'REGISTRY_POPULATION_SIZE',
      description: 'Size of the synthetic population (simulated mode and `npm run registry`).',
    }),
    populationSeed: setting(z.string().min(1), {
      env: 'REGISTRY_POPULATION_SEED',
      description: 'Seed of the synthetic population: the same seed always yields the same citizens.',
    }),
  }),
  sms: z.strictObject({
    provider: setting(z.enum(['development-outbox', 'http']), {
      env: 'SMS_PROVIDER',
      description:
        'How one-time codes reach phones: `http` (a generic HTTP SMS gateway) or `development-outbox` (logged and shown at /dev/sms, never sent; refused in production).',
    }),
    gatewayUrl: setting(absoluteUrl, {
      env: 'SMS_GATEWAY_URL',
      description: 'The HTTP SMS gateway endpoint: POST {"to","text","sender"} with a bearer token (http provider).',
    }),
    gatewayToken: setting(z.string(), {
      env: 'SMS_GATEWAY_TOKEN',
      description: 'Bearer token for the SMS gateway (http provider).',
      secret: true,
    }),
    sender: setting(z.string().min(1).max(11), {
      env: 'SMS_SENDER',
      description: 'Sender name shown on the phone (brand name registered with the carriers).',
    }),
    timeoutMs: setting(z.number().int().min(100).max(30_000), {
      env: 'SMS_TIMEOUT_MS',
      description: 'How long to wait for the SMS gateway to accept a message.',
    }),
  }),
  chip: z.strictObject({
    cscaDir: setting(z.string().min(1), {
      env: 'CHIP_CSCA_DIR',
      description: 'Directory of trusted CSCA certificates and their CRLs (PEM or DER; ICAO 9303 part 12) for chip ID card verification.',
    }),
    developmentIssuer: setting(z.boolean(), {
      env: 'CHIP_DEVELOPMENT_ISSUER',
      description: 'Outside production, also trust a SYNTHETIC CSCA made at start-up, so /dev/chip can simulate reading a demo citizen\'s card.',
    }),
  }),
  faceMatcher: z.strictObject({
    provider: setting(z.enum(['development', 'http']), {
      env: 'FACE_MATCHER',
      description:
        'Face comparison of the selfie with the chip portrait: `http` (a certified biometric service) or `development` (compares nothing, accepts any JPEG; refused in production).',
    }),
    url: setting(absoluteUrl, {
      env: 'FACE_MATCHER_URL',
      description: 'The face comparison service: POST {"reference","probe"} (base64) with a bearer token, answering {"match","score"} (http provider).',
    }),
    token: setting(z.string(), {
      env: 'FACE_MATCHER_TOKEN',
      description: 'Bearer token for the face comparison service (http provider).',
      secret: true,
    }),
    timeoutMs: setting(z.number().int().min(100).max(60_000), {
      env: 'FACE_MATCHER_TIMEOUT_MS',
      description: 'How long to wait for a face comparison before telling the citizen to try again.',
    }),
  }),
  i18n: z.strictObject({
    defaultLocale: setting(z.enum(['vi', 'en']), {
      env: 'DEFAULT_LOCALE',
      description: 'Language of citizen pages when neither the citizen nor the relying party chose one.',
    }),
  }),
  demo: z.strictObject({
    seed: setting(z.boolean(), {
      env: 'DEMO_SEED',
      description: 'Create the synthetic demo citizens and the demo portal at start-up. Never in production.',
    }),
  }),
  log: z.strictObject({
    level: setting(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), {
      env: 'LOG_LEVEL',
      description: 'Minimum level of the JSON log on stdout.',
    }),
  }),
});

export type Config = z.infer<typeof configSchema>;
