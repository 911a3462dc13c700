/**
 * The example relying parties (examples/portal, examples/bank) as the embedded DinhDanh registers them, so
 * `npm run example:portal` / `example:bank` work beside `npm start`: the operator's registration file
 * (examples/<name>/registration.json, validated with the production rules) pointed at the example's local
 * address. Only the addresses change; the pairwise sector stays the production host. Development only (the
 * demo seed never runs in production).
 */
import { existsSync, readFileSync } from 'node:fs';

import { validateRelyingPartyMetadata } from '../relying-parties/metadata.ts';
import type { RelyingParty } from '../relying-parties/relying-party.ts';

export const examplesDir = new URL('../../examples/', import.meta.url);
export const EXAMPLE_ORIGINS = { portal: 'http://localhost:4000', bank: 'http://localhost:4001' } as const;

/** The example's registration at `localOrigin` (its redirect, logout and key URIs moved there). */
export function localRegistration(example: 'portal' | 'bank', localOrigin: URL | string = EXAMPLE_ORIGINS[example]): RelyingParty {
  const file = new URL(`${example}/registration.json`, examplesDir);
  const validation = validateRelyingPartyMetadata(JSON.parse(readFileSync(file, 'utf8')), { production: true });
  if (!validation.ok) throw new Error(`${file.pathname}:\n${validation.problems.join('\n')}`);
  const local = (uri: string) => new URL(`${new URL(uri).pathname}${new URL(uri).search}`, localOrigin).href;
  const { metadata } = validation;
  return {
    ...metadata,
    redirectUris: metadata.redirectUris.map(local),
    postLogoutRedirectUris: metadata.postLogoutRedirectUris.map(local),
    ...(metadata.jwksUri ? { jwksUri: local(metadata.jwksUri) } : {}),
    ...(metadata.backchannelLogoutUri ? { backchannelLogoutUri: local(metadata.backchannelLogoutUri) } : {}),
    disabled: false,
  };
}

/** The examples present in this checkout, at their default local addresses. */
export function exampleRelyingParties(): RelyingParty[] {
  return (['portal', 'bank'] as const).filter((example) => existsSync(new URL(`${example}/registration.json`, examplesDir))).map((example) => localRegistration(example));
}
