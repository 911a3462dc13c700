/**
 * DinhDanh's own account area (/account) signs citizens in the way every relying party does: an OpenID
 * Connect authorization request to this provider, so it gets every sign-in method, the step-up to level 2,
 * throttling and the registry's live status without a second login implementation. It is registered as a
 * public client (PKCE) that receives only `openid`, and its consent is implied (consent-step.ts).
 */
import { registerIfMissing, type RelyingParty, type RelyingPartyStore } from '../relying-parties/relying-party.ts';

export const ACCOUNT_AREA_CLIENT_ID = 'dinhdanh-account';

export function accountAreaRedirectUri(issuer: string): string {
  return `${issuer}/account/callback`;
}

export function registerAccountAreaClient(relyingParties: RelyingPartyStore, issuer: string): Promise<RelyingParty> {
  return registerIfMissing(relyingParties, {
    clientId: ACCOUNT_AREA_CLIENT_ID,
    name: { vi: 'Tài khoản DinhDanh', en: 'DinhDanh account' },
    profile: 'portal',
    redirectUris: [accountAreaRedirectUri(issuer)],
    postLogoutRedirectUris: [`${issuer}/account`],
    tokenEndpointAuthMethod: 'none',
    allowedScopes: ['openid'],
    minimumLevel: 1,
    applicationType: 'web',
    disabled: false,
  });
}
