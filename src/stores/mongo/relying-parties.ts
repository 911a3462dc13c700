import type { Collection, Db } from 'mongodb';

import type { SecretBox } from '../../crypto/secret-box.ts';
import type { RelyingParty, RelyingPartyChanges, RelyingPartyStore } from '../../relying-parties/relying-party.ts';
import { NotFoundError } from '../errors.ts';
import { mongoCall } from './errors.ts';

/**
 * As stored: `_id` for the client id, and a client secret only ever as `sealedClientSecret` (JWE, see
 * crypto/secret-box.ts). Not a hash: oidc-provider compares the presented secret with the client's plaintext
 * `client_secret` (lib/models/client.js `compareClientSecret`), so the registry must be able to give it back.
 * A plaintext `clientSecret` is only read, from records written before secrets were sealed; the next change
 * of the record seals it.
 */
type RelyingPartyDocument = Omit<RelyingParty, 'clientId' | 'clientSecret'> & { _id: string; sealedClientSecret?: string; clientSecret?: string };

/** Collection `relying_parties`; `_id` is the client id (unique by construction). */
export class MongoRelyingPartyStore implements RelyingPartyStore {
  readonly #relyingParties: Collection<RelyingPartyDocument>;
  readonly #secrets: SecretBox;

  constructor(db: Db, secrets: SecretBox) {
    this.#relyingParties = db.collection<RelyingPartyDocument>('relying_parties');
    this.#secrets = secrets;
  }

  async #toRelyingParty({ _id, sealedClientSecret, clientSecret, ...rest }: RelyingPartyDocument): Promise<RelyingParty> {
    const secret = sealedClientSecret ? await this.#secrets.open(sealedClientSecret) : clientSecret;
    return { clientId: _id, ...rest, ...(secret ? { clientSecret: secret } : {}) };
  }

  findByClientId(clientId: string) {
    return mongoCall('relying party', async () => {
      const document = await this.#relyingParties.findOne({ _id: clientId });
      return document ? this.#toRelyingParty(document) : undefined;
    });
  }

  list() {
    return mongoCall('relying party', async () => {
      const documents = await this.#relyingParties.find().sort({ _id: 1 }).toArray();
      return Promise.all(documents.map((document) => this.#toRelyingParty(document)));
    });
  }

  create({ clientId, clientSecret, ...relyingParty }: RelyingParty) {
    return mongoCall('relying party', async () => {
      const document: RelyingPartyDocument = { _id: clientId, ...relyingParty, ...(clientSecret ? { sealedClientSecret: await this.#secrets.seal(clientSecret) } : {}) };
      await this.#relyingParties.insertOne(document);
      return this.#toRelyingParty(document);
    });
  }

  update(clientId: string, changes: RelyingPartyChanges) {
    return mongoCall('relying party', async () => {
      const set: Record<string, unknown> = {};
      const unset: Record<string, ''> = {};
      for (const [field, value] of Object.entries(changes) as [string, unknown][]) {
        if (field === 'clientId') continue;
        if (field === 'clientSecret') {
          // Whatever happens to the secret, a legacy plaintext copy goes.
          unset.clientSecret = '';
          if (value === undefined) unset.sealedClientSecret = '';
          else set.sealedClientSecret = await this.#secrets.seal(value as string);
        } else if (value === undefined) unset[field] = '';
        else set[field] = value;
      }
      // An empty $set or $unset is an error on some MongoDB-protocol servers: send only what is needed.
      const update = { ...(Object.keys(set).length ? { $set: set } : {}), ...(Object.keys(unset).length ? { $unset: unset } : {}) };
      const document = Object.keys(update).length
        ? await this.#relyingParties.findOneAndUpdate({ _id: clientId }, update, { returnDocument: 'after' })
        : await this.#relyingParties.findOne({ _id: clientId });
      if (!document) throw new NotFoundError('relying party', clientId);
      return this.#toRelyingParty(document);
    });
  }
}
