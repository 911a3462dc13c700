import type { Collection, Db } from 'mongodb';

import type { Consent, ConsentStore } from '../../accounts/consents.ts';
import { mongoCall } from './errors.ts';

type ConsentDocument = Consent & { _id: string };

const keyOf = (accountId: string, clientId: string) => `${accountId}:${clientId}`;
const toConsent = ({ _id: _key, ...consent }: ConsentDocument): Consent => consent;

/** Collection `consents`; `_id` is account:client (one decision per pair), index on accountId. */
export class MongoConsentStore implements ConsentStore {
  readonly #consents: Collection<ConsentDocument>;

  constructor(db: Db) {
    this.#consents = db.collection<ConsentDocument>('consents');
  }

  record(consent: Omit<Consent, 'grantedAt'>) {
    return mongoCall('consent', async () => {
      const document: ConsentDocument = { _id: keyOf(consent.accountId, consent.clientId), ...consent, grantedAt: new Date() };
      await this.#consents.replaceOne({ _id: document._id }, document, { upsert: true });
      return toConsent(document);
    });
  }

  listForAccount(accountId: string) {
    return mongoCall('consent', async () => (await this.#consents.find({ accountId }).sort({ grantedAt: 1 }).toArray()).map(toConsent));
  }

  withdraw(accountId: string, clientId: string) {
    return mongoCall('consent', async () => {
      const document = await this.#consents.findOneAndDelete({ _id: keyOf(accountId, clientId) });
      return document ? toConsent(document) : undefined;
    });
  }
}
