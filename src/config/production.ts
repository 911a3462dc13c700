/**
 * What `NODE_ENV=production` refuses. Each refusal is its own sentence so an operator fixes them one by one.
 * (Development signing keys are refused by the key ring when it loads: see src/keys/keyring.ts.)
 */
import type { Config } from './schema.ts';

export function productionRefusals(config: Config, defaults: Record<string, unknown>): string[] {
  if (config.env !== 'production') return [];
  const refusals: string[] = [];

  if (config.oidc.devInteractions) {
    refusals.push(
      "OIDC_DEV_INTERACTIONS (oidc.devInteractions) is on: oidc-provider's development login pages accept any user. Set OIDC_DEV_INTERACTIONS=false.",
    );
  }
  if (config.stores.backend === 'memory') {
    refusals.push(
      'STORE_BACKEND (stores.backend) is "memory": accounts and sessions would vanish on restart and cannot be shared between processes. Set STORE_BACKEND=redis-mongo with REDIS_URL and MONGODB_URI.',
    );
  }
  if (new URL(config.issuer).protocol !== 'https:') {
    refusals.push(
      `ISSUER (issuer) is ${config.issuer}: production issuers must use https (OIDC Discovery §3, RFC 9700 §2.6). Set ISSUER=https://…`,
    );
  }
  const defaultCookieKeys = new Set(((defaults.cookies as { keys?: string[] } | undefined)?.keys) ?? []);
  if (config.cookies.keys.some((key) => defaultCookieKeys.has(key) || key.startsWith('development-only'))) {
    refusals.push(
      'COOKIE_KEYS (cookies.keys) contains the published development keys: anyone could forge session cookies. Set COOKIE_KEYS to your own random keys (e.g. `openssl rand -base64 48`).',
    );
  }
  const defaultSecretsKeys = new Set(((defaults.secrets as { keys?: string[] } | undefined)?.keys) ?? []);
  if (config.secrets.keys.some((key) => defaultSecretsKeys.has(key) || key.startsWith('development'))) {
    refusals.push(
      'SECRETS_KEYS (secrets.keys) contains the published development key: TOTP seeds at rest would be readable by anyone. Set SECRETS_KEYS=<key id>:<`openssl rand 32 | basenc --base64url | tr -d =`>.',
    );
  }
  if (config.registry.mode === 'simulated') {
    refusals.push(
      'REGISTRY_MODE (registry.mode) is "simulated": citizens would be matched against a synthetic population. Set REGISTRY_MODE=http and REGISTRY_URL.',
    );
  }
  if (config.sms.provider === 'development-outbox') {
    refusals.push(
      'SMS_PROVIDER (sms.provider) is "development-outbox": one-time codes would be printed instead of sent. Configure an SMS gateway.',
    );
  }
  if (config.sms.provider === 'http' && !config.sms.gatewayToken) {
    refusals.push('SMS_GATEWAY_TOKEN (sms.gatewayToken) is empty: the SMS gateway would accept messages from anyone. Set SMS_GATEWAY_TOKEN.');
  }
  if (config.faceMatcher.provider === 'development') {
    refusals.push(
      'FACE_MATCHER (faceMatcher.provider) is "development": it compares no faces, so anyone holding a stolen card could reach level 2. Configure a certified face comparison service (FACE_MATCHER=http, FACE_MATCHER_URL, FACE_MATCHER_TOKEN).',
    );
  }
  if (config.faceMatcher.provider === 'http' && !config.faceMatcher.token) {
    refusals.push('FACE_MATCHER_TOKEN (faceMatcher.token) is empty: the face comparison service would not know who is asking. Set FACE_MATCHER_TOKEN.');
  }
  if (config.chip.developmentIssuer) {
    refusals.push('CHIP_DEVELOPMENT_ISSUER (chip.developmentIssuer) is on: a synthetic CSCA would be trusted and anyone could forge a chip. Set CHIP_DEVELOPMENT_ISSUER=false.');
  }
  if (config.oidc.pairwiseSecret.startsWith('development')) {
    refusals.push(
      'PAIRWISE_SUBJECT_SECRET (oidc.pairwiseSecret) is the published development value: anyone could link a citizen\'s subs across services. Set PAIRWISE_SUBJECT_SECRET to your own random value (e.g. `openssl rand -base64 48`) and never change it.',
    );
  }
  if (config.demo.seed) {
    refusals.push('DEMO_SEED (demo.seed) is on: synthetic demo citizens with published passwords would exist. Set DEMO_SEED=false.');
  }
  if (config.keys.generateMissing) {
    refusals.push(
      'KEYS_GENERATE_MISSING (keys.generateMissing) is on: production signing keys must be generated and staged with `npm run keys`, never on start-up. Set KEYS_GENERATE_MISSING=false.',
    );
  }
  return refusals;
}
