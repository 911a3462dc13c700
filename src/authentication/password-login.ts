/**
 * Sign-in with personal identification number + password.
 *
 * An unknown number, a suspended account and a wrong password are indistinguishable to the caller: same
 * result, and the same argon2 work (a dummy hash is verified when there is no real one), so response time
 * does not reveal who has an account.
 */
import type { Account, AccountStore } from '../accounts/account.ts';
import type { CredentialStore, PasswordCredential } from '../accounts/credentials.ts';
import type { PasswordHasher } from '../accounts/password-hasher.ts';

export type PasswordLoginResult = { ok: true; account: Account } | { ok: false; account?: Account };

export async function createPasswordLogin(accounts: AccountStore, credentials: CredentialStore, hasher: PasswordHasher) {
  // Computed once so that verifying it costs exactly what verifying a real hash costs.
  const dummyHash = await hasher.hash(`dummy-${Math.random()}`);

  return async function signInWithPassword(personalId: string, password: string): Promise<PasswordLoginResult> {
    const account = await accounts.findByPersonalId(personalId);
    const credential = account
      ? (await credentials.listForAccount(account.id, 'password')).find((candidate): candidate is PasswordCredential => candidate.type === 'password')
      : undefined;
    const matches = await hasher.verify(credential?.hash ?? dummyHash, password);
    if (!account || !credential || !matches || account.status !== 'active') {
      return account ? { ok: false, account } : { ok: false };
    }
    return { ok: true, account };
  };
}

export type PasswordLogin = Awaited<ReturnType<typeof createPasswordLogin>>;
