import type { Collection, Db } from 'mongodb';

import type { RelyingParty, RelyingPartyStore } from '../../relying-parties/relying-party.ts';
import { mongoCall } from './errors.ts';

type RelyingPartyDocument = Omit<RelyingParty, 'clientId'> & { _id: string };

const toRelyingParty = ({ _id, ...rest }: RelyingPartyDocument): RelyingParty => ({ clientId: _id, ...rest });

/** Collection `relying_parties`; `_id` is the client id (unique by construction). */
export class MongoRelyingPartyStore implements RelyingPartyStore {
  readonly #relyingParties: Collection<RelyingPartyDocument>;

  constructor(db: Db) {
    this.#relyingParties = db.collection<RelyingPartyDocument>('relying_parties');
  }

  findByClientId(clientId: string) {
    return mongoCall('relying party', async () => {
      const document = await this.#relyingParties.findOne({ _id: clientId });
      return document ? toRelyingParty(document) : undefined;
    });
  }

  list() {
    return mongoCall('relying party', async () => (await this.#relyingParties.find().sort({ _id: 1 }).toArray()).map(toRelyingParty));
  }

  create({ clientId, ...relyingParty }: RelyingParty) {
    return mongoCall('relying party', async () => {
      await this.#relyingParties.insertOne({ _id: clientId, ...relyingParty });
      return { clientId, ...relyingParty };
    });
  }
}
