/**
 * The in-person enrollment desk over HTTP (level-2 issue, points 6–7): staff sign in at level 2 with a
 * passkey; an officer records the chip reading (desk reader, same verification as the phone) and the checks
 * done in person and raises the account; a supervisor reverses it with a reason; an admin grants and revokes
 * roles; nobody acts on their own account; citizens never get in. Every action is audited with the officer.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateSync } from 'otplib';

import { answerChallenge, generateChipFixtures, type ChipFixture } from '../../scripts/chip-fixtures.ts';
import { demoCitizens } from '../../src/demo/citizens.ts';
import { addPasskey, signInToAccountArea } from '../helpers/account-area.ts';
import { startTestAppOn, type TestApp } from '../helpers/app.ts';
import { csrfFrom, pathOf, type Agent } from '../helpers/login-flow.ts';
import { SoftwareAuthenticator } from '../helpers/software-authenticator.ts';

const [AN, BINH, CUONG] = demoCitizens as [(typeof demoCitizens)[number], (typeof demoCitizens)[number], (typeof demoCitizens)[number]];

describe('enrollment desk: staff roles, in-person upgrade, reversal', function () {
  let app: TestApp;
  let fixtures: ChipFixture[];
  let now = Date.now();
  const anPhone = new SoftwareAuthenticator();
  const cuongPhone = new SoftwareAuthenticator();
  const nextAppCode = () => {
    now += 31_000;
    return generateSync({ secret: AN.totpSecret!, epoch: Math.floor(now / 1000) });
  };

  before(async function () {
    this.timeout(60_000);
    const fixturesDir = mkdtempSync(path.join(tmpdir(), 'dinhdanh-desk-chips-'));
    fixtures = await generateChipFixtures(fixturesDir);
    app = await startTestAppOn('memory', this, { CHIP_CSCA_DIR: path.join(fixturesDir, 'trust'), CHIP_DEVELOPMENT_ISSUER: 'false' }, { clock: () => now });
    // An (level 2, demo staff with every role) and Cường (level 1) each create a passkey in the account area.
    const anAgent = app.agent();
    await signInToAccountArea(app, anAgent, AN, nextAppCode);
    await addPasskey(app, anAgent, anPhone, 'Desk key');
    const cuongAgent = app.agent();
    await signInToAccountArea(app, cuongAgent, CUONG, nextAppCode);
    await addPasskey(app, cuongAgent, cuongPhone, 'Phone');
  });
  after(async () => app?.close());

  const accountOf = async (citizen: typeof AN) => (await app.dinhdanh.stores.accounts.findByPersonalId(citizen.record.personalId))!;

  /**
   * /desk/login → the provider's login page → passkey (or, with `password`, password + app code) → /desk.
   * Returns the last page.
   */
  async function deskSignIn(agent: Agent, how: { passkey: SoftwareAuthenticator } | { password: typeof AN }) {
    let location = (await agent.get('/desk/login')).headers.location!;
    for (let hop = 0; hop < 12; hop += 1) {
      const target = pathOf(location, app.issuer);
      const response = await agent.get(target);
      if (target.startsWith('/desk') && ![302, 303].includes(response.status)) return response;
      if (response.status === 200 && /\/login" novalidate/.test(response.text)) {
        const csrf = csrfFrom(response.text);
        let posted;
        if ('passkey' in how) {
          const options = await agent.post(`${target}/passkey/options`).type('form').send({ csrf });
          const answer = await how.passkey.authenticate(options.body, app.issuer);
          posted = await agent.post(`${target}/passkey`).type('form').send({ csrf, response: JSON.stringify(answer) });
        } else {
          posted = await agent.post(`${target}/login`).type('form').send({ personalId: how.password.record.personalId, password: how.password.password, csrf });
        }
        // A page instead of a redirect: the second factor, or the refusal (e.g. the unmet-level page).
        if (!posted.headers.location) {
          if (!/\/second-factor" novalidate/.test(posted.text)) return posted;
          location = (await agent.post(`${target}/second-factor`).type('form').send({ code: nextAppCode(), csrf: csrfFrom(posted.text) })).headers.location!;
          continue;
        }
        location = posted.headers.location;
      } else if (response.status === 200 && /\/second-factor" novalidate/.test(response.text)) {
        location = (await agent.post(`${target}/second-factor`).type('form').send({ code: nextAppCode(), csrf: csrfFrom(response.text) })).headers.location!;
      } else if ([302, 303].includes(response.status)) {
        location = response.headers.location!;
      } else {
        return response;
      }
    }
    throw new Error('too many redirects');
  }

  async function officer() {
    const agent = app.agent();
    const home = await deskSignIn(agent, { passkey: anPhone });
    assert.match(home.text, /Cán bộ: Nguyễn Văn An · vai trò: cán bộ tiếp nhận, giám sát viên, quản trị/);
    return agent;
  }

  it('lets an officer raise a citizen with the desk reader chip check and the in-person checks; audited with the officer', async () => {
    const agent = await officer();
    const lookup = await agent.get(`/desk/citizens?personalId=${CUONG.record.personalId}&lang=en`);
    assert.equal(lookup.status, 200);
    assert.match(lookup.text, /Lê Quốc Cường/);
    assert.match(lookup.text, /Level 1 · active/);
    const csrf = csrfFrom(lookup.text);

    const started = await agent.post(`/desk/citizens/${CUONG.record.personalId}/chip-checks?lang=en`).type('form').send({ csrf });
    const [, checkId, challenge] = /Check id: ([\w-]+)\. The reader uses it and the challenge ([A-Za-z0-9+/=]+) within/.exec(started.text)!;
    const card = fixtures.find((item) => item.name === 'valid-rsa-sha256')!; // Cường's card
    const reading = { sod: card.sod, data_groups: card.dataGroups, active_authentication_signature: Buffer.from(await answerChallenge(card, Buffer.from(challenge!, 'base64'))).toString('base64') };
    assert.equal((await agent.post(`/desk/api/checks/${checkId}/chip?personalId=${CUONG.record.personalId}`).send(reading)).status, 403, 'the reader needs the desk CSRF token');
    const read = await agent.post(`/desk/api/checks/${checkId}/chip?personalId=${CUONG.record.personalId}`).set('x-csrf-token', csrf).send(reading);
    assert.equal(read.status, 200, read.text);
    assert.equal(read.body.full_name, 'Lê Quốc Cường');

    const unchecked = await agent.post(`/desk/citizens/${CUONG.record.personalId}/upgrade?lang=en`).type('form').send({ csrf, chipCheckId: checkId, documentInspected: 'yes' });
    assert.equal(unchecked.status, 400);
    assert.match(unchecked.text, /Both in-person checks must be confirmed/);
    const wrongCheck = await agent.post(`/desk/citizens/${CUONG.record.personalId}/upgrade?lang=en`).type('form').send({ csrf, chipCheckId: 'made-up', documentInspected: 'yes', faceCompared: 'yes' });
    assert.equal(wrongCheck.status, 400);
    assert.match(wrongCheck.text, /chip check id is unknown/);
    assert.equal((await accountOf(CUONG)).identityLevel, 1, 'nothing changed');

    const raised = await agent.post(`/desk/citizens/${CUONG.record.personalId}/upgrade?lang=en`).type('form').send({ csrf, chipCheckId: checkId, documentInspected: 'yes', faceCompared: 'yes', note: 'card and face checked' });
    assert.equal(raised.status, 200, raised.text);
    assert.match(raised.text, /The account is now level 2/);
    assert.equal((await accountOf(CUONG)).identityLevel, 2);
    const [event] = await app.dinhdanh.stores.audit.list({ type: 'account.level_raised', accountId: (await accountOf(CUONG)).id });
    assert.deepEqual(
      { evidence: event?.details?.evidence, channel: event?.details?.channel, staffId: event?.details?.staffId, note: event?.details?.note },
      { evidence: 'chip+in_person', channel: 'desk', staffId: (await accountOf(AN)).id, note: 'card and face checked' },
    );
    assert.equal((await app.dinhdanh.stores.audit.list({ type: 'identity.chip_verified' }))[0]?.details?.staffId, (await accountOf(AN)).id);
  });

  it('lets a supervisor reverse level 2 with a reason', async () => {
    const agent = await officer();
    const csrf = csrfFrom((await agent.get(`/desk/citizens?personalId=${CUONG.record.personalId}`)).text);
    const noReason = await agent.post(`/desk/citizens/${CUONG.record.personalId}/reverse?lang=en`).type('form').send({ csrf, reason: ' ' });
    assert.equal(noReason.status, 400);
    assert.equal((await accountOf(CUONG)).identityLevel, 2);
    const reversed = await agent.post(`/desk/citizens/${CUONG.record.personalId}/reverse?lang=en`).type('form').send({ csrf, reason: 'the card was reported stolen' });
    assert.match(reversed.text, /The account is back at level 1/);
    assert.equal((await accountOf(CUONG)).identityLevel, 1);
    const [event] = await app.dinhdanh.stores.audit.list({ type: 'account.level_lowered' });
    assert.equal(event?.details?.reason, 'the card was reported stolen');
    assert.equal(event?.details?.staffId, (await accountOf(AN)).id);
    // Raised again, in person only (no chip reading), for the role tests below.
    await agent.post(`/desk/citizens/${CUONG.record.personalId}/upgrade`).type('form').send({ csrf, documentInspected: 'yes', faceCompared: 'yes' });
    assert.equal((await accountOf(CUONG)).identityLevel, 2);
    assert.equal((await app.dinhdanh.stores.audit.list({ type: 'account.level_raised' }))[0]?.details?.evidence, 'in_person');
  });

  it("refuses any action on the officer's own account, and audits the attempt", async () => {
    const agent = await officer();
    const own = await agent.get(`/desk/citizens?personalId=${AN.record.personalId}&lang=en`);
    assert.doesNotMatch(own.text, /reverse"/, 'no reversal offered on oneself');
    const csrf = csrfFrom(own.text);
    const refused = await agent.post(`/desk/citizens/${AN.record.personalId}/reverse?lang=en`).type('form').send({ csrf, reason: 'test' });
    assert.equal(refused.status, 403);
    assert.match(refused.text, /may not change their own account/);
    assert.equal((await accountOf(AN)).identityLevel, 2);
    assert.equal((await app.dinhdanh.stores.audit.list({ type: 'desk.self_action_refused' })).length, 1);
  });

  it('keeps citizens out: a level-1 account, a level-2 sign-in without a passkey, a non-staff account, an account-area session', async () => {
    const levelOne = await deskSignIn(app.agent(), { password: BINH });
    assert.equal(levelOne.status, 403, 'the desk client requires level 2: the unmet page');
    const withoutPasskey = await deskSignIn(app.agent(), { password: AN });
    assert.equal(withoutPasskey.status, 403);
    assert.match(withoutPasskey.text, /bằng khóa truy cập/);
    const notStaff = await deskSignIn(app.agent(), { passkey: cuongPhone }); // level 2 since the test above, not staff
    assert.equal(notStaff.status, 403);
    assert.match(notStaff.text, /không phải tài khoản cán bộ/);
    assert.ok((await app.dinhdanh.stores.audit.list({ type: 'desk.access_refused' })).length >= 2);

    const citizen = app.agent();
    await signInToAccountArea(app, citizen, BINH, nextAppCode);
    const lookup = await citizen.get(`/desk/citizens?personalId=${CUONG.record.personalId}`);
    assert.doesNotMatch(lookup.text, /Lê Quốc Cường/, 'an account-area session is not a desk session');
    assert.equal((await citizen.post(`/desk/citizens/${BINH.record.personalId}/upgrade`).type('form').send({ documentInspected: 'yes', faceCompared: 'yes' })).status, 401);
    assert.equal((await accountOf(BINH)).identityLevel, 1);
  });

  it('lets an admin grant and revoke roles (not their own); roles take effect at once', async () => {
    const admin = await officer();
    let page = await admin.get('/desk/staff?lang=en');
    assert.equal(page.status, 200);
    const csrf = csrfFrom(page.text);
    const levelOne = await admin.post('/desk/staff?lang=en').type('form').send({ csrf, personalId: BINH.record.personalId, displayName: 'Bình', roles: 'officer' });
    assert.equal(levelOne.status, 400, 'staff need a level-2 account');
    page = await admin.post('/desk/staff?lang=en').type('form').send({ csrf, personalId: CUONG.record.personalId, displayName: 'Cường', roles: 'officer' });
    assert.match(page.text, /Roles granted to Cường/);
    assert.equal((await admin.post('/desk/staff?lang=en').type('form').send({ csrf, personalId: AN.record.personalId, displayName: 'An', roles: 'officer' })).status, 403, 'not their own');

    const cuong = app.agent();
    const home = await deskSignIn(cuong, { passkey: cuongPhone });
    assert.match(home.text, /Cán bộ: Cường · vai trò: cán bộ tiếp nhận/);
    const cuongCsrf = csrfFrom((await cuong.get(`/desk/citizens?personalId=${BINH.record.personalId}`)).text);
    assert.equal((await cuong.get('/desk/staff')).status, 403, 'an officer is not an admin');
    assert.equal((await cuong.post(`/desk/citizens/${AN.record.personalId}/reverse`).type('form').send({ csrf: cuongCsrf, reason: 'x' })).status, 403, 'an officer is not a supervisor');

    await admin.post(`/desk/staff/${(await accountOf(CUONG)).id}/revoke?lang=en`).type('form').send({ csrf });
    const after = await cuong.post(`/desk/citizens/${BINH.record.personalId}/upgrade`).type('form').send({ csrf: cuongCsrf, documentInspected: 'yes', faceCompared: 'yes' });
    assert.equal(after.status, 401, 'a revoked role stops working in the open session');
    assert.equal((await accountOf(BINH)).identityLevel, 1);
    assert.deepEqual((await app.dinhdanh.stores.audit.list({ type: 'staff.revoked' })).map((event) => event.details?.by), [(await accountOf(AN)).id]);
  });

  it('serves the relying-party registry as an admin API: validated, audited with the admin, refused to officers', async () => {
    const admin = await officer();
    const csrf = csrfFrom((await admin.get('/desk/staff')).text);
    const registration = {
      clientId: 'land-portal',
      name: { vi: 'Cổng đất đai', en: 'Land portal' },
      profile: 'portal',
      redirectUris: ['https://datdai.example.gov.vn/callback'],
      allowedScopes: ['openid', 'profile'],
      minimumLevel: 1,
      tokenEndpointAuthMethod: 'client_secret_basic',
    };
    assert.equal((await admin.post('/desk/api/relying-parties').send(registration)).status, 403, 'the CSRF header is required');
    const created = await admin.post('/desk/api/relying-parties').set('x-csrf-token', csrf).send(registration);
    assert.equal(created.status, 201, created.text);
    assert.match(created.body.clientSecret, /^[\w-]{43}$/, 'the secret, once');
    assert.equal(created.body.relyingParty.clientSecret, 'set');
    const listed = await admin.get('/desk/api/relying-parties');
    assert.ok(listed.body.some((entry: { clientId: string; clientSecret?: string }) => entry.clientId === 'land-portal' && entry.clientSecret === 'set'));

    const invalid = await admin.post('/desk/api/relying-parties').set('x-csrf-token', csrf).send({ ...registration, clientId: 'bad-portal', redirectUris: ['https://a.example.vn/*'] });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.error, 'invalid_client_metadata');
    assert.ok(invalid.body.problems.length >= 1);

    const disabled = await admin.post('/desk/api/relying-parties/land-portal/disable').set('x-csrf-token', csrf);
    assert.deepEqual(disabled.body, { changed: true });
    assert.equal((await app.dinhdanh.stores.relyingParties.findByClientId('land-portal'))?.disabled, true);
    const [event] = await app.dinhdanh.stores.audit.list({ type: 'client.disabled' });
    assert.deepEqual([event?.clientId, event?.details?.by, event?.details?.user], ['land-portal', 'admin_api', (await accountOf(AN)).id]);

    // Cường is an officer only (granted above, then revoked): the admin API is not his.
    await app.dinhdanh.stores.staff.upsert({ accountId: (await accountOf(CUONG)).id, displayName: 'Cường', roles: ['officer'], active: true });
    const cuong = app.agent();
    await deskSignIn(cuong, { passkey: cuongPhone });
    assert.equal((await cuong.get('/desk/api/relying-parties')).status, 403);
  });
});
