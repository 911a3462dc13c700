import { MongoServerError, type Collection, type Db } from 'mongodb';

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

/** Collections `credentials` (index on accountId) and `totp_used_steps` (replay markers; see migrations.ts). */
export class MongoCredentialStore implements CredentialStore {
  readonly #credentials: Collection<CredentialDocument>;
  readonly #usedSteps: Collection<{ _id: string; credentialId: string; step: number; usedAt: Date }>;
  readonly #secrets: SecretBox;

  constructor(db: Db, secrets: SecretBox) {
    this.#credentials = db.collection<CredentialDocument>('credentials');
    this.#usedSteps = db.collection('totp_used_steps');
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
      const credential = await this.#credentials.findOne({ _id: id, type: 'totp' }, { projection: { lastUsedStep: 1 } });
      if (!credential) throw new NotFoundError('TOTP credential', id);
      if (typeof credential.lastUsedStep === 'number' && credential.lastUsedStep >= step) return false;
      // The unique _id of a (credential, step) marker is what makes acceptance exactly-once: an insert is
      // atomic on every MongoDB-protocol server, a conditional update is not on all of them (FerretDB v1).
      try {
        await this.#usedSteps.insertOne({ _id: `${id}:${step}`, credentialId: id, step, usedAt: new Date() });
      } catch (error) {
        if (error instanceof MongoServerError && error.code === 11000) return false;
        throw error;
      }
      await this.#credentials.updateOne(
        { _id: id, $or: [{ lastUsedStep: { $exists: false } }, { lastUsedStep: { $lt: step } }] },
        { $set: { lastUsedStep: step, updatedAt: new Date() } },
      );
      // Steps below lastUsedStep are refused by the check above, so their markers are no longer needed.
      await this.#usedSteps.deleteMany({ credentialId: id, step: { $lt: step } });
      return true;
    });
  }

  delete(id: string) {
    return mongoCall('credential', async () => {
      await this.#credentials.deleteOne({ _id: id });
    });
  }
}
