/**
 * An example's settings, from environment variables, checked once at start-up. A bad value stops the process
 * with one line per problem naming the variable and the fix.
 */
import { randomBytes } from 'node:crypto';

export interface ExampleSettings {
  /** DinhDanh's issuer identifier; discovery is <issuer>/.well-known/openid-configuration (OIDC Discovery §4). */
  issuer: URL;
  port: number;
  /** Where citizens' browsers reach this relying party; the redirect URI is <publicUrl>/callback. */
  publicUrl: URL;
  clientId: string;
  /** The private JWK that signs client assertions (examples/shared/client-key.ts). */
  clientKeyFile: string;
  cookieKeys: string[];
  /** Trust X-Forwarded-Proto from a TLS-terminating proxy (needed for Secure cookies behind one). */
  trustProxy: boolean;
  production: boolean;
  /** openid-client refuses http (RFC 9700 §2.6); only a loopback DinhDanh in development is let through. */
  allowHttpIssuer: boolean;
}

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export function settingsFromEnvironment(
  environment: Record<string, string | undefined>,
  defaults: { port: number; clientId: string; clientKeyFile: string },
): ExampleSettings {
  const problems: string[] = [];
  const production = environment.NODE_ENV === 'production';

  const port = Number(environment.PORT ?? defaults.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`PORT=${environment.PORT}: must be a TCP port number (0–65535)`);

  const url = (name: string, fallback: string) => {
    const value = environment[name] ?? fallback;
    const parsed = URL.parse(value);
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol)) problems.push(`${name}=${value}: must be an http(s) URL`);
    else if (parsed.protocol === 'http:' && (production || !LOOPBACK.has(parsed.hostname))) problems.push(`${name}=${value}: must use https (http only for localhost in development)`);
    return parsed ?? new URL('http://invalid');
  };
  const issuer = url('ISSUER', 'http://localhost:3000');
  const publicUrl = url('PUBLIC_URL', `http://localhost:${port}`);
  if (publicUrl.pathname !== '/' || publicUrl.search || publicUrl.hash) problems.push(`PUBLIC_URL=${publicUrl.href}: must be an origin, such as https://portal.example.gov.vn (the example serves at its root)`);

  const clientId = environment.CLIENT_ID ?? defaults.clientId;
  if (!clientId) problems.push('CLIENT_ID: must not be empty (the client_id DinhDanh registered for this relying party)');

  const cookieKeys = (environment.COOKIE_KEYS ?? '').split(',').filter(Boolean);
  if (!cookieKeys.length) {
    if (production) problems.push('COOKIE_KEYS: required in production (comma-separated random strings; the first signs, all verify)');
    // Development: sessions live in memory and end with the process anyway, so a fresh key per start is enough.
    else cookieKeys.push(randomBytes(32).toString('base64url'));
  }

  if (problems.length) throw new SettingsError(problems);
  return {
    issuer,
    port,
    publicUrl,
    clientId,
    clientKeyFile: environment.CLIENT_KEY_FILE ?? defaults.clientKeyFile,
    cookieKeys,
    trustProxy: environment.TRUST_PROXY === 'true',
    production,
    allowHttpIssuer: issuer.protocol === 'http:',
  };
}
