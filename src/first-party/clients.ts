/**
 * DinhDanh's own clients. They sign citizens in the way every relying party does, with an OpenID Connect
 * authorization request to this provider, so they get every sign-in method, the step-up to level 2,
 * throttling and the registry's live status without a second login implementation. Their consent is implied
 * (consent-step.ts): they are the citizen's own account, and receive no personal data.
 *
 *   dinhdanh-account   the account area (/account), a public web client (PKCE), `openid` only
 *   dinhdanh-desk      the enrollment desk (/desk) for staff, `openid` only, level 2 minimum
 *   dinhdanh-app       the DinhDanh phone app (native, PKCE), `openid eid_upgrade`: the app reads the chip ID
 *                      card over NFC and calls the identity-upgrade API with its access token
 */
import { registerIfMissing, type RelyingParty, type RelyingPartyStore } from '../relying-parties/relying-party.ts';

export const ACCOUNT_AREA_CLIENT_ID = 'dinhdanh-account';
export const PHONE_APP_CLIENT_ID = 'dinhdanh-app';
/** Private-use URI scheme redirect of the native app (RFC 8252 §7.1). */
export const PHONE_APP_REDIRECT_URI = 'vn.dinhdanh.app:/oauth2redirect';
/** The scope of the identity-upgrade API (src/identity-upgrade/phone-api.ts). */
export const IDENTITY_UPGRADE_SCOPE = 'eid_upgrade';
export const DESK_CLIENT_ID = 'dinhdanh-desk';
export const FIRST_PARTY_CLIENT_IDS: ReadonlySet<string> = new Set([ACCOUNT_AREA_CLIENT_ID, PHONE_APP_CLIENT_ID, DESK_CLIENT_ID]);

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

export function registerPhoneAppClient(relyingParties: RelyingPartyStore): Promise<RelyingParty> {
  return registerIfMissing(relyingParties, {
    clientId: PHONE_APP_CLIENT_ID,
    name: { vi: 'Ứng dụng DinhDanh', en: 'DinhDanh app' },
    profile: 'portal',
    redirectUris: [PHONE_APP_REDIRECT_URI],
    postLogoutRedirectUris: [],
    tokenEndpointAuthMethod: 'none',
    allowedScopes: ['openid', IDENTITY_UPGRADE_SCOPE],
    minimumLevel: 1,
    applicationType: 'native',
    disabled: false,
  });
}

export function registerDeskClient(relyingParties: RelyingPartyStore, issuer: string): Promise<RelyingParty> {
  return registerIfMissing(relyingParties, {
    clientId: DESK_CLIENT_ID,
    name: { vi: 'Bàn đăng ký định danh điện tử', en: 'E-identity enrollment desk' },
    profile: 'portal',
    redirectUris: [`${issuer}/desk/callback`],
    postLogoutRedirectUris: [`${issuer}/desk`],
    tokenEndpointAuthMethod: 'none',
    allowedScopes: ['openid'],
    minimumLevel: 2,
    applicationType: 'web',
    disabled: false,
  });
}
