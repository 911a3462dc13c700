/**
 * The relying party's view of DinhDanh: discovery (OIDC Discovery 1.0), once, on first use (DinhDanh may start
 * after the relying party); a failure is retried at the next use rather than remembered.
 */
import * as oidc from 'openid-client';

import type { ClientKey } from './client-key.ts';

export function lazyDiscovery({ issuer, clientId, clientKey, allowHttpIssuer }: { issuer: URL; clientId: string; clientKey: ClientKey; allowHttpIssuer?: boolean }): () => Promise<oidc.Configuration> {
  let discovered: Promise<oidc.Configuration> | undefined;
  return () => {
    discovered ??= oidc
      .discovery(
        issuer,
        clientId,
        // DinhDanh signs ID tokens with ES256 (FAPI 2.0 §5.4.1 allows it): accept nothing else, no downgrade.
        { id_token_signed_response_alg: 'ES256' },
        // private_key_jwt; the assertion's `aud` is the issuer (openid-client's default), as DinhDanh and FAPI 2.0 require.
        oidc.PrivateKeyJwt({ key: clientKey.privateKey, kid: clientKey.kid }),
        { execute: allowHttpIssuer ? [oidc.allowInsecureRequests] : [] },
      )
      .catch((error: unknown) => {
        discovered = undefined;
        throw error;
      });
    return discovered;
  };
}
