/**
 * One back-channel logout request (OpenID Connect Back-Channel Logout 1.0 §2.5): a logout token issued now,
 * POSTed form-encoded to the relying party's registered back-channel logout URI.
 */
import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import type { Provider } from 'oidc-provider';

export type ProviderClient = InstanceType<Provider['Client']>;

/** §2.4: the `events` member that makes a JWT a logout token. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/**
 * The logout token oidc-provider itself would send (`Client#backchannelLogout`, lib/models/client.js): signed
 * like the client's ID tokens, `typ` `logout+jwt`, `iss`, `aud`, `iat`, `exp` (120 s), a fresh `jti`, the
 * `events` claim, `sid`, and `sub` as this relying party knows the citizen (pairwise per sector). No `nonce`
 * (§2.4 forbids it). Returns the token and its `sub`.
 */
export async function issueLogoutToken(provider: Provider, client: ProviderClient, accountId: string, sid: string): Promise<{ token: string; sub: string }> {
  const logoutToken = new provider.IdToken({ sub: accountId }, { client });
  // Release `sub` alone, whatever the client's scopes (oidc-provider's claim mask; not in its type declarations).
  Object.assign(logoutToken, { mask: { sub: null } });
  logoutToken.set('events', { [BACKCHANNEL_LOGOUT_EVENT]: {} });
  logoutToken.set('jti', randomUUID());
  if (client.backchannelLogoutSessionRequired) logoutToken.set('sid', sid);
  const token = await logoutToken.issue({ use: 'logout' });
  return { token, sub: String(decodeJwt(token).sub) };
}

/** The relying party did not acknowledge the logout; the message says why, for the log and the dead letter. */
export class LogoutNotAcknowledgedError extends Error {
  override name = 'LogoutNotAcknowledgedError';
}

/**
 * §2.8: the relying party answers 200 OK (some frameworks turn it into 204; any 2xx counts). A redirect is not
 * followed: it is not an acknowledgement. Network errors and `timeoutMs` without an answer are failures too.
 */
export async function postLogoutToken(uri: string, logoutToken: string, timeoutMs: number): Promise<void> {
  let response: Response;
  try {
    response = await fetch(uri, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: logoutToken }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') throw new LogoutNotAcknowledgedError(`no answer within ${timeoutMs} ms`);
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new LogoutNotAcknowledgedError(`not reachable (${cause?.code ?? cause?.message ?? (error as Error).message})`);
  }
  await response.body?.cancel();
  if (!response.ok) throw new LogoutNotAcknowledgedError(`answered HTTP ${response.status}`);
}
