/**
 * Relying-party records → oidc-provider client metadata (OIDC Dynamic Client Registration §2 names).
 */
import type { ClientMetadata } from 'oidc-provider';

import type { RelyingParty } from '../relying-parties/relying-party.ts';

export const CIBA_GRANT_TYPE = 'urn:openid:params:grant-type:ciba';

export function relyingPartyToClientMetadata(relyingParty: RelyingParty): ClientMetadata {
  const allowsRefresh = relyingParty.allowedScopes.includes('offline_access');
  return {
    client_id: relyingParty.clientId,
    dinhdanh_profile: relyingParty.profile,
    // Banks, FAPI 2.0 Security Profile §5.3.1.2 / §5.3.2.2: pushed authorization requests only, and access
    // tokens bound to the bank's DPoP key (RFC 9449 §5.2); mTLS is not offered.
    ...(relyingParty.profile === 'bank' ? { require_pushed_authorization_requests: true, dpop_bound_access_tokens: true } : {}),
    // OIDC Core §8: pairwise unless the registration explicitly chose public. The sector is the registered
    // sector identifier (validated by the registry, src/relying-parties/metadata.ts), given to oidc-provider as
    // a sector_identifier_uri it does not fetch (provider.ts `sectorIdentifierUriValidate`); without one, the
    // host of the redirect URIs.
    subject_type: relyingParty.subjectType ?? 'pairwise',
    ...((relyingParty.subjectType ?? 'pairwise') === 'pairwise' && relyingParty.sectorIdentifier ? { sector_identifier_uri: `https://${relyingParty.sectorIdentifier}/` } : {}),
    ...(relyingParty.clientSecret ? { client_secret: relyingParty.clientSecret } : {}),
    ...(relyingParty.jwks ? { jwks: relyingParty.jwks as ClientMetadata['jwks'] } : {}),
    ...(relyingParty.jwksUri ? { jwks_uri: relyingParty.jwksUri } : {}),
    ...(relyingParty.logoUri ? { logo_uri: relyingParty.logoUri } : {}),
    // Dropped by oidc-provider unless its backchannelLogout feature is enabled (lib/helpers/client_schema.js).
    ...(relyingParty.backchannelLogoutUri ? { backchannel_logout_uri: relyingParty.backchannelLogoutUri } : {}),
    ...(relyingParty.backchannelLogoutUri ? { backchannel_logout_session_required: true } : {}), // §2.4: logout tokens and ID tokens carry `sid`
    client_name: relyingParty.name.vi,
    application_type: relyingParty.applicationType,
    redirect_uris: relyingParty.redirectUris,
    post_logout_redirect_uris: relyingParty.postLogoutRedirectUris,
    response_types: ['code'],
    grant_types: ['authorization_code', ...(allowsRefresh ? ['refresh_token'] : []), ...(relyingParty.ciba ? [CIBA_GRANT_TYPE] : [])],
    // CIBA Core §4: poll mode only; no user codes.
    ...(relyingParty.ciba ? { backchannel_token_delivery_mode: 'poll', backchannel_user_code_parameter: false } : {}),
    token_endpoint_auth_method: relyingParty.tokenEndpointAuthMethod,
    // Scopes outside this list are refused with invalid_scope (data minimisation starts here).
    scope: relyingParty.allowedScopes.join(' '),
    id_token_signed_response_alg: 'ES256',
    // auth_time in every ID token (OIDC Core §2): relying parties enforce their own re-authentication age.
    require_auth_time: true,
  };
}
