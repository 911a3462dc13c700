/**
 * argon2id password hashing (RFC 9106; OWASP parameters by default, configurable in `passwords.*`).
 */
import { hash, verify, type Algorithm } from '@node-rs/argon2';

/** `Algorithm.Argon2id`: a const enum, which isolated-module builds cannot read. */
const ARGON2ID = 2 as Algorithm;

export interface PasswordHashingSettings {
  memoryKiB: number;
  passes: number;
  parallelism: number;
}

export function createPasswordHasher(settings: PasswordHashingSettings) {
  const options = {
    algorithm: ARGON2ID,
    memoryCost: settings.memoryKiB,
    timeCost: settings.passes,
    parallelism: settings.parallelism,
  };
  return {
    hash: (password: string): Promise<string> => hash(password.normalize('NFC'), options),
    /** Never throws on a malformed hash: a broken record must look like a wrong password. */
    verify: async (storedHash: string, password: string): Promise<boolean> => {
      try {
        return await verify(storedHash, password.normalize('NFC'));
      } catch {
        return false;
      }
    },
  };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
