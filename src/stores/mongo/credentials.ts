import type { Collection, Db } from 'mongodb';

import type { Credential, CredentialChanges, CredentialStore, CredentialType, NewCredential } from '../../accounts/credentials.ts';
import type { SecretBox } from '../../crypto/secret-box.ts';
import { NotFoundError } from '../errors.ts';
import { mongoCall } from './errors.ts';

/** As stored: `_id` for the id, and a TOTP seed only ever as `sealedSeed` (JWE, see crypto/secret-box.ts). */
type CredentialDocument = Record<string, unknown> & {
  _id: string;
  accountId: string;
  type: CredentialType;
  createdAt: Date;
  updatedAt: Date;
  sealedSeed?: string;
};

/** Collection `credentials`; index on accountId (see migrations.ts). */
export class MongoCredentialStore implements CredentialStore {
  readonly #credentials: Collection<CredentialDocument>;
  readonly #secrets: SecretBox;

  constructor(db: Db, secrets: SecretBox) {
    this.#credentials = db.collection<CredentialDocument>('credentials');
    this.#secrets = secrets;
  }

  async #toCredential({ _id, sealedSeed, ...rest }: CredentialDocument): Promise<Credential> {
    const credential = { id: _id, ...rest } as Record<string, unknown>;
    if (sealedSeed) credential.seed = await this.#secrets.open(sealedSeed);
    return credential as unknown as Credential;
  }

  /** Moves `seed` into `sealedSeed`, encrypted. */
  async #sealed(fields: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { seed, ...rest } = fields;
    return typeof seed === 'string' ? { ...rest, sealedSeed: await this.#secrets.seal(seed) } : rest;
  }

  findById(id: string) {
    return mongoCall('credential', async () => {
      const document = await this.#credentials.findOne({ _id: id });
      return document ? this.#toCredential(document) : undefined;
    });
  }

  listForAccount(accountId: string, type?: CredentialType) {
    return mongoCall('credential', async () => {
      const documents = await this.#credentials.find({ accountId, ...(type ? { type } : {}) }).sort({ createdAt: 1, _id: 1 }).toArray();
      return Promise.all(documents.map((document) => this.#toCredential(document)));
    });
  }

  create({ id, ...credential }: NewCredential) {
    return mongoCall('credential', async () => {
      const now = new Date();
      const document = { _id: id, ...(await this.#sealed(credential)), createdAt: now, updatedAt: now } as CredentialDocument;
      await this.#credentials.insertOne(document);
      return this.#toCredential(document);
    });
  }

  update(id: string, changes: CredentialChanges) {
    return mongoCall('credential', async () => {
      const document = await this.#credentials.findOneAndUpdate(
        { _id: id },
        { $set: { ...(await this.#sealed(changes)), updatedAt: new Date() } },
        { returnDocument: 'after' },
      );
      if (!document) throw new NotFoundError('credential', id);
      return this.#toCredential(document);
    });
  }

  acceptTotpStep(id: string, step: number) {
    return mongoCall('credential', async () => {
      // One conditional update: the server applies it atomically, so one of concurrent equal steps wins.
      const result = await this.#credentials.updateOne(
        { _id: id, type: 'totp', $or: [{ lastUsedStep: { $exists: false } }, { lastUsedStep: { $lt: step } }] },
        { $set: { lastUsedStep: step, updatedAt: new Date() } },
      );
      if (result.modifiedCount === 1) return true;
      if (!(await this.#credentials.countDocuments({ _id: id, type: 'totp' }, { limit: 1 }))) throw new NotFoundError('TOTP credential', id);
      return false;
    });
  }

  delete(id: string) {
    return mongoCall('credential', async () => {
      await this.#credentials.deleteOne({ _id: id });
    });
  }
}
