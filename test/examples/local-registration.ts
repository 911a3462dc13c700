/**
 * The examples' registrations in the tests: the seeded ones (src/demo/example-relying-parties.ts) at the
 * test's ephemeral port.
 */
import { localRegistration as seededRegistration } from '../../src/demo/example-relying-parties.ts';
import type { RelyingParty, RelyingPartyStore } from '../../src/relying-parties/relying-party.ts';

/** The registration the demo seed makes, at this test's address (the public key is fetched from its jwksUri). */
export function localRegistration(example: 'portal' | 'bank', localOrigin: URL | string, _publicJwk?: Record<string, unknown>): RelyingParty {
  return seededRegistration(example, localOrigin);
}

/**
 * Registers the example in the test's DinhDanh, or re-points it when the demo seed already registered it at
 * its default address (`npm run example:*` on ports 4000/4001) rather than this test's ephemeral port.
 */
export async function registerExample(store: RelyingPartyStore, { clientId, ...registration }: RelyingParty): Promise<void> {
  if (!(await store.findByClientId(clientId))) {
    await store.create({ clientId, ...registration });
    return;
  }
  await store.update(clientId, { jwks: undefined, jwksUri: undefined, sectorIdentifier: undefined, ...registration });
}
