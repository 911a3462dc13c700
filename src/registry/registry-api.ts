/**
 * The population registry's HTTP API, as one contract read by both sides: the simulator validates requests
 * with it, `HttpPopulationRegistry` validates answers with it (a registry's answer is input like any other).
 *
 *   POST /v1/citizens/match               {personalId, fullName, birthDate} → 200 {match}
 *   GET  /v1/citizens/:personalId         → 200 CitizenRecord | 404 {error: "not_found"}
 *   GET  /v1/citizens/:personalId/status  → 200 {lifeStatus, cardStatus} | 404 {error: "not_found"}
 *   GET  /health                          → 200 {status: "ok"} (no authentication)
 *
 * Every /v1 call carries `Authorization: Bearer <client assertion>` (RFC 7523 §2.2 style, see
 * simulator/caller-authentication.ts); a refused one gets 401 {error: "invalid_client"}. Bad input gets
 * 400 {error: "invalid_request", error_description}.
 */
import { z } from 'zod';

export const personalIdSchema = z.string().regex(/^\d{12}$/, 'must be 12 digits');
/** YYYY-MM-DD and a real calendar day (no 31 February). */
export const isoDateSchema = z.iso.date();

export const matchRequestSchema = z.strictObject({
  personalId: personalIdSchema,
  fullName: z.string().trim().min(1).max(200),
  birthDate: isoDateSchema,
});

export const matchResponseSchema = z.object({ match: z.boolean() });

const lifeStatusSchema = z.enum(['alive', 'deceased']);
const cardStatusSchema = z.enum(['valid', 'revoked', 'expired']);

export const citizenRecordSchema = z.object({
  personalId: personalIdSchema,
  familyName: z.string(),
  middleName: z.string(),
  givenName: z.string(),
  birthDate: isoDateSchema,
  sex: z.enum(['male', 'female']),
  placeOfOrigin: z.string(),
  permanentResidence: z.string(),
  lifeStatus: lifeStatusSchema,
  card: z.object({ number: z.string(), issuedOn: isoDateSchema, expiresOn: isoDateSchema, status: cardStatusSchema }),
});

export const citizenStatusSchema = z.object({ lifeStatus: lifeStatusSchema, cardStatus: cardStatusSchema });

export const registryPaths = {
  match: '/v1/citizens/match',
  citizen: (personalId: string) => `/v1/citizens/${encodeURIComponent(personalId)}`,
  status: (personalId: string) => `/v1/citizens/${encodeURIComponent(personalId)}/status`,
} as const;

/** The `aud` both sides expect: the base URL without a trailing slash, so "http://h:1/" and "http://h:1" agree. */
export function registryAudience(baseUrl: string): string {
  return new URL(baseUrl).href.replace(/\/+$/, '');
}
