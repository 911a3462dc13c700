/**
 * The one schema for relying-party registrations (src/relying-parties/metadata.ts): every rule accepted and
 * refused, with a message that names the field and the fix.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';

import { FIRST_PARTY_CLIENT_IDS } from '../../src/first-party/clients.ts';
import { RESERVED_CLIENT_ID_PREFIX, supportedScopes, validateRelyingPartyMetadata, type MetadataRules, type RelyingPartyMetadata } from '../../src/relying-parties/metadata.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const production: MetadataRules = { production: true };
const development: MetadataRules = { production: false };

const keyPair = (type: 'ec' | 'rsa', options: Record<string, unknown> = {}) =>
  generateKeyPairSync(type as 'ec', { namedCurve: 'P-256', modulusLength: 2048, ...options } as never) as unknown as { publicKey: KeyObject; privateKey: KeyObject };
const publicJwk = (type: 'ec' | 'rsa', options: Record<string, unknown> = {}) => keyPair(type, options).publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
const privateJwk = (type: 'ec' | 'rsa') => keyPair(type).privateKey.export({ format: 'jwk' }) as Record<string, unknown>;
const ecKey = { ...publicJwk('ec'), kid: 'ec-1', alg: 'ES256', use: 'sig' };

/** A level-2 portal authenticating with private_key_jwt: valid in production. */
const portal = (changes: Record<string, unknown> = {}) => ({
  clientId: 'tax-portal',
  name: { vi: 'Cổng thuế điện tử', en: 'Electronic tax portal' },
  profile: 'portal',
  redirectUris: ['https://thue.example.gov.vn/callback'],
  allowedScopes: ['openid', 'profile'],
  minimumLevel: 2,
  tokenEndpointAuthMethod: 'private_key_jwt',
  jwks: { keys: [ecKey] },
  ...changes,
});
/** A native app with a loopback redirect and no client authentication. */
const nativeApp = (changes: Record<string, unknown> = {}) =>
  portal({ clientId: 'tax-app', applicationType: 'native', tokenEndpointAuthMethod: 'none', jwks: undefined, minimumLevel: 1, redirectUris: ['http://127.0.0.1/callback'], sectorIdentifier: 'thue.example.gov.vn', ...changes });

function accepted(input: unknown, rules: MetadataRules = production): RelyingPartyMetadata {
  const result = validateRelyingPartyMetadata(input, rules);
  assert.ok(result.ok, `expected acceptance, got:\n${result.ok ? '' : result.problems.join('\n')}`);
  return result.metadata;
}

/** Asserts a refusal with a problem matching `expected` (field first, then the reason). */
function refused(input: unknown, expected: RegExp, rules: MetadataRules = production): string[] {
  const result = validateRelyingPartyMetadata(input, rules);
  assert.ok(!result.ok, `expected a refusal matching ${expected}`);
  assert.ok(result.problems.some((problem) => expected.test(problem)), `no problem matches ${expected}:\n${result.problems.join('\n')}`);
  return result.problems;
}

describe('relying-party metadata', () => {
  describe('a valid registration', () => {
    it('is accepted with the defaults applied: web app, no logout URIs, pairwise for the redirect host', () => {
      const { jwks: _jwks, ...rest } = accepted(portal());
      assert.deepEqual(rest, {
        clientId: 'tax-portal',
        name: { vi: 'Cổng thuế điện tử', en: 'Electronic tax portal' },
        profile: 'portal',
        applicationType: 'web',
        redirectUris: ['https://thue.example.gov.vn/callback'],
        postLogoutRedirectUris: [],
        allowedScopes: ['openid', 'profile'],
        minimumLevel: 2,
        tokenEndpointAuthMethod: 'private_key_jwt',
        subjectType: 'pairwise',
        sectorIdentifier: 'thue.example.gov.vn',
      });
    });

    it('defaults the authentication method to private_key_jwt', () => {
      const { tokenEndpointAuthMethod: _method, ...withoutMethod } = portal();
      assert.equal(accepted(withoutMethod).tokenEndpointAuthMethod, 'private_key_jwt');
    });

    it('trims display names and normalises them to NFC (Vietnamese typed in decomposed form)', () => {
      const decomposed = 'Cổng thuế'.normalize('NFD');
      assert.equal(accepted(portal({ name: { vi: `  ${decomposed} `, en: 'Tax' } })).name.vi, 'Cổng thuế'.normalize('NFC'));
    });

    it('refuses what is not a JSON object, and names every missing required field', () => {
      refused(null, /^\(file\): must be a JSON object/);
      refused([], /^\(file\): must be a JSON object/);
      const problems = refused({}, /^clientId: is required$/);
      for (const field of ['name', 'profile', 'redirectUris', 'allowedScopes', 'minimumLevel']) {
        assert.ok(problems.includes(`${field}: is required`), `${field} reported as required:\n${problems.join('\n')}`);
      }
    });

    it('refuses unknown fields, and points a supplied secret or disabled flag to the command that sets it', () => {
      refused(portal({ redirectUri: 'https://x.example/cb' }), /^redirectUri: is not a relying-party setting/);
      refused(portal({ clientSecret: 'chosen-by-the-portal' }), /^clientSecret: is generated by DinhDanh .*rotate-secret/);
      refused(portal({ disabled: true }), /^disabled: is changed with the `disable` and `enable` commands/);
      refused(portal({ name: { vi: 'A', en: 'B', fr: 'C' } }), /^name\.fr: is not a relying-party setting/);
    });
  });

  describe('client id', () => {
    for (const clientId of ['tax-portal', 'vcb', 'bank-001', 'a'.repeat(64)]) {
      it(`accepts "${clientId.length > 20 ? `${clientId.slice(0, 8)}… (${clientId.length})` : clientId}"`, () => {
        assert.equal(accepted(portal({ clientId })).clientId, clientId);
      });
    }
    it('refuses the prefix of DinhDanh\'s own clients, so no registration can take one of their ids', () => {
      for (const clientId of FIRST_PARTY_CLIENT_IDS) assert.ok(clientId.startsWith(RESERVED_CLIENT_ID_PREFIX), `${clientId} is covered`);
      refused(portal({ clientId: 'dinhdanh-account' }), /^clientId: must not start with "dinhdanh-", reserved for DinhDanh's own clients$/);
      refused(portal({ clientId: 'dinhdanh-anything' }), /^clientId: must not start with "dinhdanh-"/);
    });
    for (const clientId of ['Tax-Portal', 'ab', '-portal', 'portal-', 'tax_portal', 'https://portal.example.gov.vn', 'a'.repeat(65), 'cổng', 42]) {
      it(`refuses ${JSON.stringify(typeof clientId === 'string' && clientId.length > 30 ? `${clientId.slice(0, 8)}… (${clientId.length})` : clientId)}`, () => {
        refused(portal({ clientId }), /^clientId: must be (3 to 64 characters: lowercase letters, digits and "-"|a string)/);
      });
    }
  });

  describe('display names and logo', () => {
    it('refuses an empty, a missing and an over-long name, and control characters', () => {
      refused(portal({ name: { vi: '   ', en: 'Tax' } }), /^name\.vi: must not be empty$/);
      refused(portal({ name: { vi: 'Thuế' } }), /^name\.en: is required$/);
      refused(portal({ name: { vi: 'Thuế', en: 'x'.repeat(101) } }), /^name\.en: must be at most 100 characters$/);
      assert.equal(accepted(portal({ name: { vi: 'Thuế', en: 'x'.repeat(100) } })).name.en.length, 100);
      refused(portal({ name: { vi: 'Thuế\u0000', en: 'Tax' } }), /^name\.vi: must not contain control characters$/);
    });

    it('accepts an https logo and refuses any other', () => {
      assert.equal(accepted(portal({ logoUri: 'https://thue.example.gov.vn/logo.svg' })).logoUri, 'https://thue.example.gov.vn/logo.svg');
      refused(portal({ logoUri: 'http://thue.example.gov.vn/logo.svg' }), /^logoUri: must be an https URI$/, development);
      refused(portal({ logoUri: 'logo.svg' }), /^logoUri: "logo.svg" is not an absolute URI$/);
    });
  });

  describe('profile and minimum level', () => {
    it('accepts portal and bank, levels 1 and 2; refuses anything else', () => {
      assert.equal(accepted(portal({ profile: 'bank' })).profile, 'bank');
      assert.equal(accepted(portal({ minimumLevel: 1 })).minimumLevel, 1);
      refused(portal({ profile: 'insurer' }), /^profile: must be "portal" or "bank"$/);
      refused(portal({ minimumLevel: 3 }), /^minimumLevel: must be 1 or 2$/);
      refused(portal({ minimumLevel: '2' }), /^minimumLevel: must be 1 or 2$/);
    });

    it('offers CIBA to banks only, and a pairwise CIBA bank publishes its keys at a jwksUri (its sector)', () => {
      assert.equal(accepted(portal({ profile: 'bank', ciba: true, subjectType: 'public' })).ciba, true);
      assert.equal(accepted(portal({ profile: 'bank', ciba: true, jwks: undefined, jwksUri: 'https://bank.example.vn/jwks' })).ciba, true);
      refused(portal({ ciba: true }), /^ciba: is offered to banks only/);
      refused(portal({ profile: 'bank', ciba: true }), /^jwksUri: is required for a pairwise bank using CIBA/);
    });

    it('accepts a legal basis for skipping consent on a portal only, naming a statute', () => {
      assert.equal(accepted(portal({ legalBasis: ' Luật Bảo hiểm xã hội 2024, Điều 22 ' })).legalBasis, 'Luật Bảo hiểm xã hội 2024, Điều 22');
      refused(portal({ profile: 'bank', legalBasis: 'Luật Các tổ chức tín dụng' }), /^legalBasis: applies only to public-service portals/);
      refused(portal({ legalBasis: 'law' }), /^legalBasis: must name the statute/);
    });
  });

  describe('redirect URIs: exact, and where they may point', () => {
    it('refuses wildcards, fragments, credentials, relative URIs, duplicates and an empty list', () => {
      refused(portal({ redirectUris: ['https://*.example.gov.vn/callback'] }), /^redirectUris\[0\]: .* must not contain a wildcard.*RFC 9700 §2\.1/);
      refused(portal({ redirectUris: ['https://thue.example.gov.vn/cb/*'] }), /^redirectUris\[0\]: .*wildcard/);
      refused(portal({ redirectUris: ['https://thue.example.gov.vn/callback#done'] }), /^redirectUris\[0\]: .* must not contain a fragment \(RFC 6749 §3\.1\.2\)/);
      refused(portal({ redirectUris: ['https://user:pw@thue.example.gov.vn/callback'] }), /^redirectUris\[0\]: .*user name or password/);
      refused(portal({ redirectUris: ['/callback'] }), /^redirectUris\[0\]: "\/callback" is not an absolute URI/);
      refused(portal({ redirectUris: ['https://thue.example.gov.vn/cb', 'https://thue.example.gov.vn/cb'] }), /^redirectUris: must not list a URI twice$/);
      refused(portal({ redirectUris: [] }), /^redirectUris: must list at least one URI$/);
      refused(portal({ redirectUris: 'https://thue.example.gov.vn/cb' }), /^redirectUris: must be an array of URIs$/);
    });

    it('web app: https always; http only outside production', () => {
      accepted(portal({ redirectUris: ['https://thue.example.gov.vn:8443/callback?from=dinhdanh'] }));
      refused(portal({ redirectUris: ['http://thue.example.gov.vn/callback'] }), /^redirectUris\[0\]: "http:\/\/thue\.example\.gov\.vn\/callback" must use https in production/);
      accepted(portal({ redirectUris: ['http://thue.test/callback'] }), development);
    });

    for (const loopback of ['http://localhost:8080/callback', 'http://127.0.0.1/callback', 'http://[::1]:3000/callback', 'https://localhost/callback']) {
      it(`web app: refuses the loopback address ${loopback}, in development too (RFC 8252 §7.3 is for native apps)`, () => {
        refused(portal({ redirectUris: [loopback] }), /^redirectUris\[0\]: .* is a loopback address, allowed only for native apps \(RFC 8252 §7\.3\)/, development);
      });
    }

    it('web app: refuses private-use schemes (RFC 8252 §7.1 is for native apps) and never-redirect schemes', () => {
      refused(portal({ redirectUris: ['vn.gov.example.thue:/callback'] }), /^redirectUris\[0\]: .*private-use scheme "vn\.gov\.example\.thue:", allowed only for native apps/);
      refused(portal({ redirectUris: ['javascript:alert(1)'] }), /^redirectUris\[0\]: .*"javascript:" scheme/);
    });

    for (const uri of ['http://127.0.0.1/callback', 'http://127.0.0.1:51004/callback', 'http://[::1]/callback', 'http://localhost/callback', 'vn.gov.example.thue:/callback', 'https://app.thue.example.gov.vn/callback']) {
      it(`native app: accepts ${uri} in production`, () => {
        accepted(nativeApp({ redirectUris: [uri] }));
      });
    }

    it('native app: refuses http to a non-loopback host, https to a loopback address, and schemes that are not reverse domains', () => {
      refused(nativeApp({ redirectUris: ['http://thue.example.gov.vn/callback'] }), /^redirectUris\[0\]: .*native app uses http only with a loopback address/, development);
      refused(nativeApp({ redirectUris: ['https://127.0.0.1/callback'] }), /^redirectUris\[0\]: .*loopback address over https/);
      refused(nativeApp({ redirectUris: ['thueapp:/callback'] }), /^redirectUris\[0\]: .*"thueapp:", which must be a reverse domain name .*RFC 8252 §7\.1/);
      refused(nativeApp({ redirectUris: ['data:text/html,hi'] }), /^redirectUris\[0\]: .*"data:" scheme/);
    });

    it('post-logout redirect URIs follow the same rules', () => {
      assert.deepEqual(accepted(portal({ postLogoutRedirectUris: ['https://thue.example.gov.vn/'] })).postLogoutRedirectUris, ['https://thue.example.gov.vn/']);
      refused(portal({ postLogoutRedirectUris: ['https://thue.example.gov.vn/#bye'] }), /^postLogoutRedirectUris\[0\]: .*fragment/);
      refused(portal({ postLogoutRedirectUris: ['https://*.example.gov.vn/'] }), /^postLogoutRedirectUris\[0\]: .*wildcard/);
      refused(portal({ postLogoutRedirectUris: ['http://thue.example.gov.vn/'] }), /^postLogoutRedirectUris\[0\]: .*must use https in production/);
      refused(portal({ postLogoutRedirectUris: ['http://localhost/'] }), /^postLogoutRedirectUris\[0\]: .*loopback address, allowed only for native apps/, development);
      accepted(nativeApp({ postLogoutRedirectUris: ['http://127.0.0.1/logged-out'] }));
    });
  });

  describe('scopes', () => {
    it('accepts every scope the provider serves', () => {
      assert.deepEqual(accepted(portal({ allowedScopes: [...supportedScopes] })).allowedScopes, [...supportedScopes]);
    });

    it('keeps openid required and refuses unknown or repeated scopes, listing what is served', () => {
      refused(portal({ allowedScopes: ['profile'] }), /^allowedScopes: must include "openid"/);
      refused(portal({ allowedScopes: ['openid', 'email'] }), /^allowedScopes\[1\]: "email" is not a scope DinhDanh serves \(openid, offline_access, profile, address, phone, personal_id\)/);
      refused(portal({ allowedScopes: ['openid', 'openid'] }), /^allowedScopes: must not list a scope twice$/);
      // The phone app's API scope is DinhDanh's own (src/first-party/clients.ts): no relying party gets it.
      refused(portal({ allowedScopes: ['openid', 'eid_upgrade'] }), /^allowedScopes\[1\]: "eid_upgrade" is not a scope DinhDanh serves/);
    });
  });

  describe('client authentication', () => {
    it('private_key_jwt: accepts ES256 and RSA (PS256, RS256) public keys, or an https jwksUri', () => {
      const rsaKeys = [
        { ...publicJwk('rsa'), kid: 'rsa-ps', alg: 'PS256' },
        { ...publicJwk('rsa'), kid: 'rsa-rs', alg: 'RS256' },
      ];
      assert.equal(accepted(portal({ jwks: { keys: [ecKey, ...rsaKeys] } })).jwks!.keys.length, 3);
      const byUri = accepted(portal({ jwks: undefined, jwksUri: 'https://thue.example.gov.vn/.well-known/jwks.json' }));
      assert.equal(byUri.jwksUri, 'https://thue.example.gov.vn/.well-known/jwks.json');
      assert.equal('jwks' in byUri, false);
    });

    it('private_key_jwt: refuses no keys, both jwks and jwksUri, and an http or loopback jwksUri', () => {
      refused(portal({ jwks: undefined }), /^jwks: is required with "private_key_jwt"/);
      refused(portal({ jwksUri: 'https://thue.example.gov.vn/jwks' }), /^jwksUri: give either jwks or jwksUri, not both$/);
      refused(portal({ jwks: undefined, jwksUri: 'http://thue.example.gov.vn/jwks' }), /^jwksUri: must be an https URI$/, development);
      refused(portal({ jwks: undefined, jwksUri: 'https://localhost/jwks' }), /^jwksUri: .*must not be a loopback address in production/);
      refused(portal({ jwks: { keys: [] } }), /^jwks\.keys: must contain at least one key$/);
    });

    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']) {
      it(`private_key_jwt: refuses a key carrying the private member "${member}"`, () => {
        refused(portal({ jwks: { keys: [{ ...ecKey, [member]: 'AAAA' }] } }), new RegExp(`^jwks\\.keys\\[0\\]: contains private key material \\("${member}"\\): register the public key only`));
      });
    }

    it('private_key_jwt: refuses a whole private JWK as exported by a key tool', () => {
      refused(portal({ jwks: { keys: [privateJwk('ec')] } }), /^jwks\.keys\[0\]: contains private key material \("d"\)/);
      refused(portal({ jwks: { keys: [privateJwk('rsa')] } }), /^jwks\.keys\[0\]: contains private key material \("d", "p", "q", "dp", "dq", "qi"\)/);
    });

    it('private_key_jwt: refuses other key types, curves, algorithms and uses, short RSA keys and broken keys', () => {
      refused(portal({ jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }), /^jwks\.keys\[0\]: contains private key material \("k"\)/);
      refused(portal({ jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'AAAA' }] } }), /^jwks\.keys\[0\]: has kty "OKP": must be "EC" \(ES256\) or "RSA" \(PS256, RS256\)/);
      refused(portal({ jwks: { keys: [publicJwk('ec', { namedCurve: 'P-384' })] } }), /^jwks\.keys\[0\]: has crv "P-384": ES256 needs "P-256"/);
      refused(portal({ jwks: { keys: [{ ...ecKey, alg: 'HS256' }] } }), /^jwks\.keys\[0\]: has alg "HS256": a EC key signs with ES256/);
      refused(portal({ jwks: { keys: [{ ...publicJwk('rsa'), alg: 'ES256' }] } }), /^jwks\.keys\[0\]: has alg "ES256": a RSA key signs with PS256 or RS256/);
      refused(portal({ jwks: { keys: [{ ...ecKey, use: 'enc' }] } }), /^jwks\.keys\[0\]: has use "enc"/);
      refused(portal({ jwks: { keys: [publicJwk('rsa', { modulusLength: 1024 })] } }), /^jwks\.keys\[0\]: is a 1024-bit RSA key: at least 2048 bits/);
      refused(portal({ jwks: { keys: [{ ...ecKey, x: 'AAAA' }] } }), /^jwks\.keys\[0\]: is not a valid public key/);
      refused(portal({ jwks: { keys: ['not a key'] } }), /^jwks\.keys\[0\]: must be a JSON object/);
    });

    it('private_key_jwt: with several keys, each needs its own kid', () => {
      refused(portal({ jwks: { keys: [ecKey, { ...ecKey }] } }), /^jwks\.keys: with several keys, each needs its own "kid"$/);
      const { kid: _kid, ...withoutKid } = { ...publicJwk('ec'), kid: undefined };
      refused(portal({ jwks: { keys: [ecKey, withoutKid] } }), /^jwks\.keys: with several keys, each needs its own "kid"$/);
      accepted(portal({ jwks: { keys: [withoutKid] } }));
    });

    it('client_secret_basic: accepted for a level-1 portal only', () => {
      accepted(portal({ tokenEndpointAuthMethod: 'client_secret_basic', minimumLevel: 1, jwks: undefined }));
      refused(portal({ tokenEndpointAuthMethod: 'client_secret_basic', minimumLevel: 2, jwks: undefined }), /^tokenEndpointAuthMethod: "client_secret_basic" is allowed only for a level-1 portal/);
      refused(portal({ tokenEndpointAuthMethod: 'client_secret_basic', minimumLevel: 1, jwks: undefined, profile: 'bank' }), /^tokenEndpointAuthMethod: must be "private_key_jwt" for a bank/);
      refused(portal({ tokenEndpointAuthMethod: 'client_secret_basic', minimumLevel: 1 }), /^jwks: is used only with "private_key_jwt", not "client_secret_basic"$/);
    });

    it('none: accepted for native apps only', () => {
      accepted(nativeApp());
      refused(portal({ tokenEndpointAuthMethod: 'none', minimumLevel: 1, jwks: undefined }), /^tokenEndpointAuthMethod: "none" is allowed only for native apps.*RFC 8252 §8\.5/);
      refused(nativeApp({ profile: 'bank' }), /^tokenEndpointAuthMethod: must be "private_key_jwt" for a bank/);
      refused(nativeApp({ jwksUri: 'https://thue.example.gov.vn/jwks' }), /^jwksUri: is used only with "private_key_jwt", not "none"$/);
      refused(portal({ tokenEndpointAuthMethod: 'tls_client_auth' }), /^tokenEndpointAuthMethod: must be "private_key_jwt", "client_secret_basic" or "none"$/);
    });

    it('a bank authenticates with private_key_jwt, at either level', () => {
      accepted(portal({ profile: 'bank', minimumLevel: 1 }));
      accepted(portal({ profile: 'bank', applicationType: 'native', redirectUris: ['vn.example.bank:/callback'], sectorIdentifier: 'bank.example.vn' }));
    });
  });

  describe('back-channel logout URI', () => {
    it('https in production, http allowed outside; never a fragment; never loopback in production', () => {
      assert.equal(accepted(portal({ backchannelLogoutUri: 'https://thue.example.gov.vn/logout/bc' })).backchannelLogoutUri, 'https://thue.example.gov.vn/logout/bc');
      accepted(portal({ backchannelLogoutUri: 'http://thue.test/logout/bc' }), development);
      refused(portal({ backchannelLogoutUri: 'http://thue.example.gov.vn/logout/bc' }), /^backchannelLogoutUri: .*must use https in production$/);
      refused(portal({ backchannelLogoutUri: 'https://thue.example.gov.vn/logout#bc' }), /^backchannelLogoutUri: .*fragment/);
      refused(portal({ backchannelLogoutUri: 'https://127.0.0.1/logout' }), /^backchannelLogoutUri: .*must not be a loopback address in production$/);
      refused(portal({ backchannelLogoutUri: 'vn.gov.app:/logout' }), /^backchannelLogoutUri: .*must be an http\(s\) URI$/);
    });
  });

  describe('subject type and sector identifier (OIDC Core §8)', () => {
    it('pairwise by default, for the one host of the redirect URIs', () => {
      const metadata = accepted(portal({ redirectUris: ['https://thue.example.gov.vn/a', 'https://thue.example.gov.vn:8443/b'] }));
      assert.equal(metadata.subjectType, 'pairwise');
      assert.equal(metadata.sectorIdentifier, 'thue.example.gov.vn');
    });

    it('refuses redirect URIs on several hosts without a sector identifier, and accepts them with one', () => {
      const hosts = { redirectUris: ['https://thue.example.gov.vn/cb', 'https://m.thue.example.gov.vn/cb'] };
      refused(portal(hosts), /^sectorIdentifier: is required when the redirect URIs span several hosts \(thue\.example\.gov\.vn, m\.thue\.example\.gov\.vn\)/);
      assert.equal(accepted(portal({ ...hosts, sectorIdentifier: 'thue.example.gov.vn' })).sectorIdentifier, 'thue.example.gov.vn');
    });

    it('needs an explicit sector for native apps with loopback or private-use redirect URIs', () => {
      refused(nativeApp({ sectorIdentifier: undefined }), /^sectorIdentifier: is required for a pairwise app with loopback or private-use redirect URIs/);
      refused(nativeApp({ sectorIdentifier: undefined, redirectUris: ['vn.gov.example.thue:/cb'] }), /^sectorIdentifier: is required for a pairwise app/);
    });

    it('public: accepted without a sector, refused with one', () => {
      const metadata = accepted(portal({ subjectType: 'public' }));
      assert.equal(metadata.subjectType, 'public');
      assert.equal('sectorIdentifier' in metadata, false);
      refused(portal({ subjectType: 'public', sectorIdentifier: 'thue.example.gov.vn' }), /^sectorIdentifier: applies only to subjectType "pairwise"$/);
      refused(portal({ subjectType: 'anonymous' }), /^subjectType: must be "pairwise" or "public"$/);
    });

    for (const sector of ['https://thue.example.gov.vn', 'Thue.Example.gov.vn', 'localhost', 'thue.example.gov.vn:443', '-thue.gov.vn']) {
      it(`refuses the sector identifier "${sector}" (a host name, nothing more)`, () => {
        refused(portal({ sectorIdentifier: sector }), /^sectorIdentifier: must be a host name such as "dichvucong\.gov\.vn"/);
      });
    }
  });

  describe('agreement with the provider', () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp();
    });
    after(async () => app?.close());

    it('serves exactly the scopes the schema allows (discovery scopes_supported)', async () => {
      const discovery = await app.agent().get('/.well-known/openid-configuration');
      assert.deepEqual([...discovery.body.scopes_supported].sort(), [...supportedScopes].sort());
    });

    it('loads every kind of accepted registration as an oidc-provider client (none is broken at its first request)', async () => {
      const registrations = [
        accepted(portal()),
        accepted(portal({ clientId: 'basic-portal', tokenEndpointAuthMethod: 'client_secret_basic', minimumLevel: 1, jwks: undefined, postLogoutRedirectUris: ['https://thue.example.gov.vn/'] })),
        accepted(portal({ clientId: 'uri-keys', jwks: undefined, jwksUri: 'https://thue.example.gov.vn/jwks', logoUri: 'https://thue.example.gov.vn/logo.png', backchannelLogoutUri: 'https://thue.example.gov.vn/bc' })),
        accepted(portal({ clientId: 'ciba-bank', profile: 'bank', ciba: true, jwks: undefined, jwksUri: 'https://thue.example.gov.vn/jwks' })),
        accepted(nativeApp()),
        accepted(nativeApp({ clientId: 'native-scheme', redirectUris: ['vn.gov.example.thue:/callback', 'http://[::1]/callback', 'https://app.thue.example.gov.vn/cb'] })),
      ];
      for (const metadata of registrations) {
        const secret = metadata.tokenEndpointAuthMethod === 'client_secret_basic' ? { clientSecret: 'x'.repeat(43) } : {};
        await app.dinhdanh.stores.relyingParties.create({ ...metadata, ...secret, disabled: false });
        const client = await app.dinhdanh.provider.Client.find(metadata.clientId);
        assert.ok(client, `${metadata.clientId} loads`);
        assert.deepEqual(client.redirectUris, metadata.redirectUris);
      }
    });
  });
});
