/**
 * The software authenticator (test/helpers/software-authenticator.ts) against the real @simplewebauthn/server:
 * what it produces verifies as a phone's response would, and what a server must refuse is refused. The
 * HTTP-level passkey tests rely on both halves.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';

import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import { decodeAttestationObject, isoBase64URL, parseAuthenticatorData } from '@simplewebauthn/server/helpers';

import { SoftwareAuthenticator, type SoftwareAuthenticatorOptions } from '../helpers/software-authenticator.ts';

const rpID = 'localhost';
const origin = 'http://localhost:3000';

/** Registers a new credential as the server would, requiring user verification; returns what it stores. */
async function enrol(authenticator: SoftwareAuthenticator, userName = 'an') {
  const options = await generateRegistrationOptions({
    rpName: 'DinhDanh',
    rpID,
    userName,
    attestationType: 'none',
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
  const response = await authenticator.register(options, origin);
  const verification = await verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
    requireUserVerification: true,
  });
  assert.ok(verification.verified);
  return { options, response, verification, credential: verification.registrationInfo.credential };
}

/** A usernameless sign-in ceremony verified against `credential`, requiring user verification. */
async function signIn(authenticator: SoftwareAuthenticator, credential: WebAuthnCredential, { responseOrigin = origin } = {}) {
  const options = await generateAuthenticationOptions({ rpID, userVerification: 'required' });
  const response = await authenticator.authenticate(options, responseOrigin);
  const verification = await verifyAuthenticationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
    credential,
    requireUserVerification: true,
  });
  return { options, response, verification };
}

const newAuthenticator = (options?: SoftwareAuthenticatorOptions) => new SoftwareAuthenticator(options);

describe('the software authenticator (test double of a platform authenticator)', () => {
  it('registers a discoverable ES256 credential with "none" attestation that verifies with user verification required', async () => {
    const authenticator = newAuthenticator();
    const { options, response, verification, credential } = await enrol(authenticator);
    const info = verification.registrationInfo;
    assert.equal(info.fmt, 'none');
    assert.equal(info.aaguid, '00000000-0000-0000-0000-000000000000');
    assert.equal(info.userVerified, true);
    assert.equal(info.credentialDeviceType, 'singleDevice');
    assert.equal(info.credentialBackedUp, false);
    assert.equal(credential.id, response.id);
    assert.equal(credential.counter, 0);
    assert.deepEqual(credential.transports, ['internal']);
    assert.equal(response.response.publicKeyAlgorithm, -7);
    assert.equal(response.authenticatorAttachment, 'platform');

    const attestation = decodeAttestationObject(isoBase64URL.toBuffer(response.response.attestationObject));
    assert.equal(attestation.get('attStmt').size, 0, '§8.7: "none" has an empty attestation statement');
    const authData = parseAuthenticatorData(attestation.get('authData'));
    assert.equal(isoBase64URL.fromBuffer(authData.credentialID!), response.id);
    assert.deepEqual(authenticator.credentials.map(({ id, rpId, userHandle, counter }) => ({ id, rpId, userHandle, counter })), [
      { id: response.id, rpId: rpID, userHandle: options.user.id, counter: 0 },
    ]);
  });

  it('reports a backup-eligible, backed-up (synced) credential when asked to', async () => {
    const { verification } = await enrol(newAuthenticator({ backupEligible: true }));
    assert.equal(verification.registrationInfo.credentialDeviceType, 'multiDevice');
    assert.equal(verification.registrationInfo.credentialBackedUp, true);
  });

  it('signs in usernameless (no allowCredentials), returns the user handle and increments the counter', async () => {
    const authenticator = newAuthenticator();
    const { options: creation, credential } = await enrol(authenticator);

    const first = await signIn(authenticator, credential);
    assert.equal(first.options.allowCredentials?.length ?? 0, 0, 'usernameless: no credential list');
    assert.ok(first.verification.verified);
    assert.equal(first.verification.authenticationInfo.userVerified, true);
    assert.equal(first.verification.authenticationInfo.newCounter, 1);
    assert.equal(first.response.response.userHandle, creation.user.id);
    assert.equal(first.response.id, credential.id);

    const second = await signIn(authenticator, { ...credential, counter: first.verification.authenticationInfo.newCounter });
    assert.ok(second.verification.verified);
    assert.equal(second.verification.authenticationInfo.newCounter, 2);
    assert.equal(authenticator.credentials[0]!.counter, 2);
  });

  it('always reports signCount 0 when so configured, which the library accepts while the stored counter is 0', async () => {
    const authenticator = newAuthenticator({ signCount: 'zero' });
    const { credential } = await enrol(authenticator);
    for (let i = 0; i < 2; i++) {
      const { verification } = await signIn(authenticator, credential);
      assert.ok(verification.verified);
      assert.equal(verification.authenticationInfo.newCounter, 0);
    }
  });

  it('picks the credential named in allowCredentials, or by credentialId, and refuses when none fits', async () => {
    const authenticator = newAuthenticator();
    const first = await enrol(authenticator, 'an');
    const second = await enrol(authenticator, 'binh');

    const allowed = await generateAuthenticationOptions({ rpID, userVerification: 'required', allowCredentials: [{ id: second.credential.id }] });
    const response = await authenticator.authenticate(allowed, origin);
    assert.equal(response.id, second.credential.id);
    assert.equal(response.response.userHandle, second.options.user.id);
    const verification = await verifyAuthenticationResponse({ response, expectedChallenge: allowed.challenge, expectedOrigin: origin, expectedRPID: rpID, credential: second.credential });
    assert.ok(verification.verified);

    const usernameless = await generateAuthenticationOptions({ rpID });
    assert.equal((await authenticator.authenticate(usernameless, origin)).id, first.credential.id, 'the first one by default');
    assert.equal((await authenticator.authenticate(usernameless, origin, second.credential.id)).id, second.credential.id);

    const elsewhere = await generateAuthenticationOptions({ rpID: 'example.org' });
    await assert.rejects(authenticator.authenticate(elsewhere, 'https://example.org'), { name: 'NotAllowedError' });
    const unknown = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: isoBase64URL.fromBuffer(new Uint8Array(32)) }] });
    await assert.rejects(authenticator.authenticate(unknown, origin), { name: 'NotAllowedError' });
  });

  it('produces responses the library refuses without user verification (registration and sign-in)', async () => {
    const withoutVerification = newAuthenticator({ userVerification: false });
    const options = await generateRegistrationOptions({ rpName: 'DinhDanh', rpID, userName: 'an', authenticatorSelection: { userVerification: 'required' } });
    const response = await withoutVerification.register(options, origin);
    await assert.rejects(
      verifyRegistrationResponse({ response, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: true }),
      /User verification (was )?required/,
    );

    const verified = newAuthenticator();
    const { credential } = await enrol(verified);
    // Same key, no UV flag: only the flag differs from a response that verifies.
    const sameKeyWithoutVerification = newAuthenticator({ userVerification: false });
    sameKeyWithoutVerification.credentials.push(...verified.credentials);
    await assert.rejects(signIn(sameKeyWithoutVerification, credential), /User verification (was )?required/);
  });

  it('produces responses the library refuses from another origin', async () => {
    const authenticator = newAuthenticator();
    const { credential } = await enrol(authenticator);
    await assert.rejects(signIn(authenticator, credential, { responseOrigin: 'http://evil.example' }), /Unexpected authentication response origin/);

    const options = await generateRegistrationOptions({ rpName: 'DinhDanh', rpID, userName: 'an' });
    const response = await authenticator.register(options, 'http://evil.example');
    await assert.rejects(verifyRegistrationResponse({ response, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRPID: rpID }), /origin/);
  });

  it('produces responses the library refuses when the counter went backwards (a cloned authenticator)', async () => {
    const authenticator = newAuthenticator();
    const { credential } = await enrol(authenticator);
    const { verification } = await signIn(authenticator, credential);
    const stored = { ...credential, counter: verification.authenticationInfo.newCounter + 4 }; // 5: the original signed on

    authenticator.setCounter(credential.id, 2); // the clone's next signature carries 3
    await assert.rejects(signIn(authenticator, stored), /Response counter value 3 was lower than expected 5/);
    authenticator.setCounter(credential.id, 4); // 5: equal is not greater either
    await assert.rejects(signIn(authenticator, stored), /counter value 5 was lower than expected 5/);
    assert.throws(() => authenticator.setCounter('unknown', 1), /no credential/);
  });

  it('signs with the credential key: another key under the same credential id does not verify', async () => {
    const authenticator = newAuthenticator();
    const { credential } = await enrol(authenticator);
    authenticator.credentials[0]!.privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const { verification } = await signIn(authenticator, credential);
    assert.equal(verification.verified, false);
  });
});
