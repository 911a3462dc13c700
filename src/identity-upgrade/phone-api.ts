/**
 * The identity-upgrade API of DinhDanh's phone app: a level-1 citizen reads their chip ID card over NFC and
 * takes a selfie; the account becomes level 2.
 *
 *   POST /api/identity-upgrade/checks               → 201 {check_id, challenge, expires_in}
 *   POST /api/identity-upgrade/checks/:id/chip      {sod, data_groups: {dg1, dg2, dg13?, dg14?, dg15}, active_authentication_signature}
 *                                                   → 200 {status: "chip_verified", next: "face", card_expires_on}
 *   POST /api/identity-upgrade/checks/:id/face      {selfie}  (base64 JPEG)
 *                                                   → 200 {identity_level: 2, second_factors, face_service}
 *
 * Binary values are base64. Every call carries `Authorization: Bearer <access token>` issued to the phone app
 * (client `dinhdanh-app`, scope `eid_upgrade`; RFC 6750). Errors are JSON {error, error_description} with a
 * `reason` a phone can translate for the citizen; nothing changes on an error.
 */
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { Provider } from 'oidc-provider';
import { z } from 'zod';

import type { Account, AccountStore } from '../accounts/account.ts';
import { FaceMatcherUnavailableError } from '../biometrics/face-matcher.ts';
import { IDENTITY_UPGRADE_SCOPE, PHONE_APP_CLIENT_ID } from '../first-party/clients.ts';
import type { ChipReading } from '../chip/chip-verification.ts';
import type { IdentityUpgrade } from './identity-upgrade.ts';

const base64 = (max: number) => z.string().max(max).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64').transform((value) => new Uint8Array(Buffer.from(value, 'base64')));
/** The chip reading as the phone app (or the desk reader) sends it. */
export const chipBody = z.strictObject({
  sod: base64(64_000),
  // The data groups DinhDanh reads; any other is refused by name (a strict object).
  data_groups: z.strictObject({ dg1: base64(1_000).optional(), dg2: base64(400_000).optional(), dg13: base64(8_000).optional(), dg14: base64(8_000).optional(), dg15: base64(2_000).optional() }),
  active_authentication_signature: base64(2_000),
});
const faceBody = z.strictObject({ selfie: base64(2_000_000) });

/** What the phone is told when the card is refused: the reason code, and a sentence for the log. */
const CHIP_REFUSALS: Record<string, string> = {
  malformed: 'the data read from the chip is incomplete or not a citizen ID card; read the card again',
  signature_invalid: 'the card data is not signed by the issuing authority',
  signer_untrusted: 'the card was not issued by a trusted authority',
  signer_expired: 'the card was signed by an authority key that is no longer valid',
  signer_revoked: 'the card was signed by a revoked authority key',
  signer_not_for_documents: 'the card was signed by a key not meant for documents',
  data_group_tampered: 'the card data was changed after it was issued',
  data_group_missing: 'some card data was not read; read the card again',
  active_authentication_failed: 'the chip did not prove it is the original; read the card again',
  identity_mismatch: 'the card belongs to someone else',
  card_expired: 'the card has expired',
  card_revoked: 'the card has been revoked',
  card_not_current: "the card is not the citizen's current card",
  citizen_not_found: 'the registry does not know this citizen',
  check_unknown: 'this check has expired or was already used; start a new one',
};

export function readingFromBody(body: z.infer<typeof chipBody>): ChipReading {
  const dataGroups = new Map(Object.entries(body.data_groups).flatMap(([name, bytes]) => (bytes ? [[Number(name.slice(2)), bytes] as [number, Uint8Array]] : [])));
  return { sod: body.sod, dataGroups, activeAuthenticationSignature: body.active_authentication_signature };
}

/** A JSON body of `schema`, or a 400 invalid_request naming each problem (and undefined). */
export function parseJsonBody<T extends z.ZodType>(ctx: Context, schema: T): z.infer<T> | undefined {
  const parsed = schema.safeParse((ctx.request as unknown as { body?: unknown }).body);
  if (parsed.success) return parsed.data;
  problem(ctx, 400, 'invalid_request', parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '));
  return undefined;
}

/** A chip step refused: 404 for an unknown or spent check, 422 with the reason for a refused card. */
export function refuseChip(ctx: Context, reason: string) {
  const unknown = reason === 'check_unknown';
  problem(ctx, unknown ? 404 : 422, unknown ? 'check_unknown' : 'chip_refused', CHIP_REFUSALS[reason] ?? reason, { reason });
}

export function problem(ctx: Context, status: number, error: string, description: string, extra: Record<string, unknown> = {}) {
  ctx.status = status;
  ctx.body = { error, error_description: description, ...extra };
}

export function createIdentityUpgradeApi({ provider, accounts, upgrade }: { provider: Provider; accounts: Pick<AccountStore, 'findById'>; upgrade: IdentityUpgrade }) {
  const router = new Router({ prefix: '/api/identity-upgrade' });
  const json = bodyParser({ enableTypes: ['json'], jsonLimit: '3mb', encoding: 'utf-8' });

  /** RFC 6750 bearer token of the phone app with the eid_upgrade scope; the account must be active. */
  async function authenticate(ctx: Context, next: Next) {
    ctx.set('cache-control', 'no-store');
    const value = /^Bearer ([\w.~+/-]+=*)$/.exec(ctx.get('authorization'))?.[1];
    const token = value ? await provider.AccessToken.find(value) : undefined;
    const account = token && !token.isExpired && token.clientId === PHONE_APP_CLIENT_ID && token.scopes.has(IDENTITY_UPGRADE_SCOPE) && token.accountId ? await accounts.findById(token.accountId) : undefined;
    if (!token || !account || account.status !== 'active') {
      ctx.set('www-authenticate', `Bearer realm="dinhdanh", error="invalid_token", scope="${IDENTITY_UPGRADE_SCOPE}"`);
      return problem(ctx, 401, 'invalid_token', `an access token of the DinhDanh app with the ${IDENTITY_UPGRADE_SCOPE} scope is required`);
    }
    ctx.state.account = account;
    await next();
  }

  router.post('/checks', authenticate, async (ctx: Context) => {
    const account = ctx.state.account as Account;
    if (account.identityLevel >= 2) return problem(ctx, 409, 'already_level_2', 'this account is already at level 2');
    const check = await upgrade.startCheck(account, { channel: 'phone' });
    ctx.status = 201;
    ctx.body = { check_id: check.checkId, challenge: Buffer.from(check.challenge).toString('base64'), expires_in: check.expiresIn };
  });

  router.post('/checks/:id/chip', authenticate, json, async (ctx: Context) => {
    const body = parseJsonBody(ctx, chipBody);
    if (!body) return;
    const outcome = await upgrade.submitChip(ctx.state.account as Account, ctx.params.id as string, readingFromBody(body), ctx.ip);
    if (!outcome.ok) return refuseChip(ctx, outcome.reason);
    ctx.body = { status: 'chip_verified', next: 'face', card_expires_on: outcome.cardExpiresOn };
  });

  router.post('/checks/:id/face', authenticate, json, async (ctx: Context) => {
    const body = parseJsonBody(ctx, faceBody);
    if (!body) return;
    try {
      const outcome = await upgrade.submitFace(ctx.state.account as Account, ctx.params.id as string, body.selfie, ctx.ip);
      if (!outcome.ok) {
        if (outcome.reason === 'check_unknown') return refuseChip(ctx, 'check_unknown');
        return problem(ctx, 422, 'face_mismatch', 'the selfie does not match the portrait on the chip; start a new check', { reason: 'face_mismatch', face_service: outcome.faceService });
      }
      ctx.body = { identity_level: outcome.identityLevel, second_factors: outcome.secondFactors, face_service: outcome.faceService };
    } catch (error) {
      if (!(error instanceof FaceMatcherUnavailableError)) throw error;
      // Nothing was spent: the same check can send the selfie again within its 10 minutes.
      return problem(ctx, 503, 'temporarily_unavailable', 'the face comparison service is not answering; nothing was changed, send the selfie again in a moment');
    }
  });

  return router;
}
