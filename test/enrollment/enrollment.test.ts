/**
 * Level-1 enrollment over HTTP (registry issue, points 3–5, 7–9): the real app, real stores (memory, then
 * Redis + a MongoDB-protocol server), a registry whose population the test controls, and the development
 * SMS outbox standing in for the citizen's phone.
 */
import assert from 'node:assert/strict';

import { demoCitizens } from '../../src/demo/citizens.ts';
import { backends, startTestAppOn, type TestApp } from '../helpers/app.ts';
import {
  ControllableRegistry,
  enroll,
  latestCode,
  outbox,
  postCode,
  postEnrollment,
  postPassword,
  postResend,
  syntheticCitizen,
  type EnrollmentFields,
} from '../helpers/enrollment-flow.ts';
import { eventually } from '../helpers/eventually.ts';
import { exchangeCode, signIn } from '../helpers/login-flow.ts';

/** Numbers 036 (Nam Định) · 1 (woman, 19xx) · 97 · serial: each test enrolls its own citizen. */
const personalIdNo = (serial: number) => `036197${String(serial).padStart(6, '0')}`;
const citizens = Array.from({ length: 40 }, (_, serial) => syntheticCitizen({ personalId: personalIdNo(serial) }));
const fieldsOf = (serial: number, phoneNumber = `090${String(serial).padStart(7, '0')}`): EnrollmentFields => ({
  personalId: personalIdNo(serial),
  fullName: 'Phạm Thị Hồng Nhung',
  birthDate: '1997-05-09',
  phoneNumber,
});
const e164 = (national: string) => `+84${national.slice(1)}`;
const GOOD_PASSWORD = 'mưa rơi trên mái ngói cũ';
const BINH = demoCitizens[1]!; // has an account (seeded)

for (const backend of backends) describe(`level-1 enrollment over HTTP (${backend} stores)`, function () {
  let app: TestApp;
  let registry: ControllableRegistry;
  before(async function () {
    registry = new ControllableRegistry([...demoCitizens.map((citizen) => citizen.record), ...citizens]);
    app = await startTestAppOn(backend, this, {}, { registry });
  });
  after(async () => app?.close());
  afterEach(() => {
    registry.available = true;
  });

  it('creates a level-1 account: registry match → SMS code → password, and the citizen can sign in with it', async () => {
    const agent = app.agent();
    const fields = fieldsOf(1);
    const done = await enroll(app, agent, fields, GOOD_PASSWORD);
    assert.equal(done.status, 201, done.text);
    assert.match(done.text, /Your account is ready/);

    const account = await app.dinhdanh.stores.accounts.findByPersonalId(fields.personalId);
    assert.ok(account);
    assert.equal(account.identityLevel, 1);
    assert.equal(account.status, 'active');
    assert.equal(account.phoneNumber, e164(fields.phoneNumber));
    const passwords = await app.dinhdanh.stores.credentials.listForAccount(account.id, 'password');
    assert.equal(passwords.length, 1);
    assert.ok(passwords[0]!.type === 'password' && passwords[0]!.hash.startsWith('$argon2id$'), 'only an argon2id hash is stored');
    const created = await app.dinhdanh.stores.audit.list({ accountId: account.id, type: 'account.created' });
    assert.equal(created.length, 1);

    // The new account works at once through OpenID Connect, at level 1.
    const login = app.agent();
    const { code, pkce } = await signIn(app, login, fields.personalId, GOOD_PASSWORD, { scope: 'openid profile phone' });
    const token = await exchangeCode(app, login, code!, pkce.verifier);
    assert.equal(token.status, 200, token.text);
    const userinfo = await login.get('/me').set('authorization', `Bearer ${token.body.access_token}`);
    assert.equal(userinfo.body.name, 'Phạm Thị Hồng Nhung');
    assert.equal(userinfo.body.phone_number, e164(fields.phoneNumber));
  });

  it('gives an unknown number, mismatched data and an existing account the same answer, and does the same work', async () => {
    const typedPhone = '0909999001';
    const cases: Record<string, EnrollmentFields> = {
      'matching data, no account': fieldsOf(2, typedPhone),
      'unknown number': { ...fieldsOf(2, typedPhone), personalId: personalIdNo(999_999) },
      'mismatched name': { ...fieldsOf(2, typedPhone), fullName: 'Phạm Thị Hồng Nhàn' },
      'mismatched date of birth': { ...fieldsOf(2, typedPhone), birthDate: '1997-05-10' },
      'already enrolled': {
        personalId: BINH.record.personalId,
        fullName: 'Trần Thị Bình',
        birthDate: BINH.record.birthDate,
        phoneNumber: typedPhone,
      },
    };
    const answers: Record<string, string> = {};
    for (const [name, fields] of Object.entries(cases)) {
      const agent = app.agent();
      const matchesBefore = registry.calls.match;
      const started = await postEnrollment(agent, fields);
      assert.equal(registry.calls.match, matchesBefore + 1, `${name}: one registry match`);
      assert.equal(started.status, 303, `${name}: ${started.text}`);
      assert.equal(started.headers.location, '/enroll/code');
      const cookies = (started.headers['set-cookie'] as unknown as string[]).map((cookie) => cookie.split('=')[0]).sort();
      const page = await agent.get('/enroll/code');
      const wrong = await postCode(agent, '000000');
      const resend = await postResend(agent);
      // Everything the typist sees, with the per-request tokens taken out.
      const seen = [started.status, cookies.join(','), page.status, wrong.status, resend.status, page.text, wrong.text]
        .join('\n')
        .replace(/name="csrf" value="[^"]+"/g, 'name="csrf" value=""');
      answers[name] = seen;
    }
    const [first, ...others] = Object.entries(answers);
    for (const [name, seen] of others) assert.equal(seen, first![1], `"${name}" looks exactly like "${first![0]}"`);
  });

  it('tells the truth only to the account owner’s phone: "you already have an account" or "someone tried"', async () => {
    const owner = BINH.phoneNumber;
    const before = outbox(app).messages(owner).length;
    await postEnrollment(app.agent(), { personalId: BINH.record.personalId, fullName: 'Trần Thị Bình', birthDate: BINH.record.birthDate, phoneNumber: `0${owner.slice(3)}` });
    await eventually(async () => assert.equal(outbox(app).messages(owner).length, before + 1));
    const [toOwner] = outbox(app).messages(owner);
    assert.doesNotMatch(toOwner!.text, /\d{6}/, 'no code is ever sent for an existing account');
    assert.match(toOwner!.text, /already has an e-identity account.*\/account\/recover/);

    await postEnrollment(app.agent(), { personalId: BINH.record.personalId, fullName: 'Trần Thị Bình', birthDate: BINH.record.birthDate, phoneNumber: '0909999002' });
    await eventually(async () => assert.match(outbox(app).messages(owner)[0]!.text, /someone just tried/));
    assert.equal(outbox(app).messages('+84909999002').length, 0, 'the typist’s phone learns nothing');
  });

  it('lets only one of two concurrent enrollments of one identity create the account, with a clear message for the other', async () => {
    const [first, second] = [app.agent(), app.agent()];
    const fieldsA = fieldsOf(3, '0903000001');
    const fieldsB = fieldsOf(3, '0903000002');
    for (const [agent, fields] of [[first, fieldsA], [second, fieldsB]] as const) {
      assert.equal((await postEnrollment(agent, fields)).status, 303);
      assert.equal((await postCode(agent, await latestCode(app, e164(fields.phoneNumber)))).status, 303);
    }
    const results = await Promise.all([postPassword(first, GOOD_PASSWORD), postPassword(second, `${GOOD_PASSWORD} 2`)]);
    assert.deepEqual(results.map((result) => result.status).sort(), [201, 409]);
    const loser = results.find((result) => result.status === 409)!;
    assert.match(loser.text, /An account already exists for this identity/);

    const account = await app.dinhdanh.stores.accounts.findByPersonalId(fieldsA.personalId);
    assert.ok(account);
    assert.equal((await app.dinhdanh.stores.credentials.listForAccount(account.id)).length, 1, 'one password, no orphan');
    const created = (await app.dinhdanh.stores.audit.list({ type: 'account.created' })).filter((event) => event.accountId === account.id);
    assert.equal(created.length, 1);
  });

  it('shows a translated "registry unavailable, nothing was saved" page when the registry is down, and stores nothing', async () => {
    registry.available = false;
    const fields = fieldsOf(4);
    for (const [lang, text] of [['vi', /Cơ sở dữ liệu quốc gia về dân cư tạm thời không phản hồi\. Chưa có gì được lưu/], ['en', /temporarily unavailable\. Nothing was saved/]] as const) {
      const agent = app.agent();
      const response = await postEnrollment(agent, fields, lang);
      assert.equal(response.status, 503);
      assert.match(response.headers['content-type']!, /text\/html/);
      assert.match(response.text, text);
      assert.ok(!(response.headers['set-cookie'] as unknown as string[] | undefined)?.some((cookie) => cookie.startsWith('dd_enroll=')), 'no flow began');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(outbox(app).messages(e164(fields.phoneNumber)).length, 0, 'no SMS');
    assert.equal(await app.dinhdanh.stores.accounts.findByPersonalId(fields.personalId), undefined, 'no account');

    // The registry is back: the same citizen enrolls normally.
    registry.available = true;
    assert.equal((await enroll(app, app.agent(), fields, GOOD_PASSWORD)).status, 201);
  });
});

describe('level-1 enrollment: every bad input gets its own clear answer and changes nothing', function () {
  let app: TestApp;
  let registry: ControllableRegistry;
  let now = Date.now();
  before(async function () {
    registry = new ControllableRegistry([...demoCitizens.map((citizen) => citizen.record), ...citizens]);
    app = await startTestAppOn('memory', this, {}, { registry, clock: () => now });
  });
  after(async () => app?.close());
  beforeEach(() => {
    now = Date.now();
  });

  const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const badInputs: [string, () => Partial<EnrollmentFields>, RegExp][] = [
    ['a number that is too short', () => ({ personalId: '03619700001' }), /exactly 12 digits/],
    ['a number that is too long', () => ({ personalId: '0361970000011' }), /exactly 12 digits/],
    ['a number with a letter', () => ({ personalId: '03619700001a' }), /exactly 12 digits/],
    ['an unknown province code', () => ({ personalId: '003197000010' }), /not a province code/],
    ['a century digit that contradicts the birth year', () => ({ personalId: '036297000010' }), /do not match the year of birth/],
    ['birth-year digits that contradict the birth year', () => ({ personalId: '036198000010' }), /do not match the year of birth/],
    ['a date of birth in the future', () => ({ birthDate: tomorrow(), personalId: `0363${tomorrow().slice(2, 4)}000010` }), /cannot be in the future/],
    ['an impossible date of birth', () => ({ birthDate: '1997-02-30' }), /not a valid date of birth/],
    ['a date that is not a date', () => ({ birthDate: 'hôm qua' }), /not a valid date of birth/],
    ['an empty name', () => ({ fullName: '   ' }), /full name as on your ID card/],
    ['a name made of digits', () => ({ fullName: '12345' }), /full name as on your ID card/],
    ['a landline number', () => ({ phoneNumber: '02838221234' }), /mobile number has 10 digits/],
  ];
  for (const [name, change, message] of badInputs) {
    it(`refuses ${name} before asking the registry`, async () => {
      const matchesBefore = registry.calls.match;
      const response = await postEnrollment(app.agent(), { ...fieldsOf(10), ...change() });
      assert.equal(response.status, 400);
      assert.match(response.text, message);
      assert.match(response.text, /There is a problem/, 'an error summary leads to the field');
      assert.equal(registry.calls.match, matchesBefore, 'no registry call');
      assert.ok(!(response.headers['set-cookie'] as unknown as string[] | undefined)?.some((cookie) => cookie.startsWith('dd_enroll=')), 'no flow began');
    });
  }

  it('keeps what the citizen typed when a field is refused, and shows the page in Vietnamese by default', async () => {
    const agent = app.agent();
    const page = await agent.get('/enroll');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)![1];
    const response = await agent.post('/enroll').type('form').send({ ...fieldsOf(10), personalId: '12', csrf });
    assert.equal(response.status, 400);
    assert.match(response.text, /lang="vi"/);
    assert.match(response.text, /value="Phạm Thị Hồng Nhung"/);
  });

  it('accepts the date of birth typed the Vietnamese way (day/month/year) where the browser has no date picker', async () => {
    const fields = { ...fieldsOf(20), birthDate: '9/5/1997' };
    assert.equal((await postEnrollment(app.agent(), fields)).status, 303);
    assert.match(await latestCode(app, fields.phoneNumber), /^\d{6}$/, 'the registry matched 1997-05-09');
  });

  it('limits code requests per phone number (5 free an hour, then waits), counted whatever the registry said', async () => {
    const phone = '0905555555';
    const statuses = [];
    for (let start = 0; start < 7; start += 1) {
      // Real, unknown and mismatched starts all count: the limit itself reveals nothing.
      const fields = start % 2 ? { ...fieldsOf(21, phone), personalId: personalIdNo(900_000 + start) } : fieldsOf(21, phone);
      statuses.push((await postEnrollment(app.agent(), fields)).status);
    }
    assert.deepEqual(statuses, [303, 303, 303, 303, 303, 303, 429]);
    const refused = await postEnrollment(app.agent(), fieldsOf(22, phone));
    assert.equal(refused.status, 429);
    assert.match(refused.text, /Too many code requests for this number or from this network\. Please try again in \d+ minutes/);
    assert.ok(Number(refused.headers['retry-after']) >= 60);
    assert.equal((await postEnrollment(app.agent(), fieldsOf(22))).status, 303, 'another number is not affected');
    now += 3600_000;
    assert.equal((await postEnrollment(app.agent(), fieldsOf(22, phone))).status, 303, 'after the wait');
  });

  it('refuses a form without its CSRF token', async () => {
    const matchesBefore = registry.calls.match;
    const response = await app.agent().post('/enroll').type('form').send(fieldsOf(10));
    assert.equal(response.status, 403);
    assert.equal(registry.calls.match, matchesBefore, 'no registry call');
  });

  it('compares names after NFC, case and whitespace folding, but diacritics must match', async () => {
    const folded = fieldsOf(11);
    folded.fullName = '  phạm   THỊ hồng\u00a0nhung '.normalize('NFD');
    await postEnrollment(app.agent(), folded);
    assert.match(await latestCode(app, e164(folded.phoneNumber)), /^\d{6}$/, 'a code: the name matched');

    const withoutDiacritics = fieldsOf(12);
    withoutDiacritics.fullName = 'Pham Thi Hong Nhung';
    const agent = app.agent();
    assert.equal((await postEnrollment(agent, withoutDiacritics)).status, 303, 'same answer as a match');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(outbox(app).messages(e164(withoutDiacritics.phoneNumber)).length, 0, 'but no code');
  });

  it('counts wrong codes: five and the enrollment starts over, even with the right code afterwards', async () => {
    const agent = app.agent();
    const fields = fieldsOf(13);
    await postEnrollment(agent, fields);
    const code = await latestCode(app, e164(fields.phoneNumber));
    const wrongCode = code === '111111' ? '222222' : '111111';
    for (let left = 4; left >= 1; left -= 1) {
      const wrong = await postCode(agent, wrongCode);
      assert.equal(wrong.status, 400);
      assert.match(wrong.text, new RegExp(`${left} attempts left`));
    }
    const fifth = await postCode(agent, wrongCode);
    assert.equal(fifth.status, 400);
    assert.match(fifth.text, /expired or had too many wrong codes\. Please start over/);
    const page = await agent.get('/enroll/code');
    assert.match(page.text, /Please start over/);
  });

  it('tells a malformed code apart from a wrong one (and counts it)', async () => {
    const agent = app.agent();
    await postEnrollment(agent, fieldsOf(14));
    const response = await postCode(agent, '12ab');
    assert.equal(response.status, 400);
    assert.match(response.text, /The code has 6 digits/);
    assert.match((await postCode(agent, '000001')).text, /3 attempts left|That code is not correct/);
  });

  it('refuses an expired code (5 minutes), and a new code works', async () => {
    const agent = app.agent();
    const fields = fieldsOf(15);
    await postEnrollment(agent, fields);
    const code = await latestCode(app, e164(fields.phoneNumber));
    now += 5 * 60_000 + 1000;
    const late = await postCode(agent, code);
    assert.equal(late.status, 400);
    assert.match(late.text, /The code has expired/);

    assert.equal((await postResend(agent)).status, 200);
    const fresh = await latestCode(app, e164(fields.phoneNumber), 1);
    assert.notEqual(fresh, code);
    assert.equal((await postCode(agent, fresh)).status, 303);
  });

  it('throttles resending, and a resend keeps the failure count', async () => {
    const agent = app.agent();
    const fields = fieldsOf(16);
    await postEnrollment(agent, fields);
    const first = await latestCode(app, e164(fields.phoneNumber));
    const tooSoon = await postResend(agent);
    assert.equal(tooSoon.status, 429);
    assert.match(tooSoon.text, /wait a minute/);

    const wrongCode = first === '111111' ? '222222' : '111111';
    await postCode(agent, wrongCode);
    await postCode(agent, wrongCode);
    now += 61_000;
    assert.equal((await postResend(agent)).status, 200);
    const second = await latestCode(app, e164(fields.phoneNumber), 1);
    assert.notEqual(second, first);
    const old = await postCode(agent, first === second ? wrongCode : first);
    assert.match(old.text, /2 attempts left/, 'the replaced code is wrong now, and the count went on from 2 failures');
    now += 61_000;
    assert.equal((await postResend(agent)).status, 200);
    now += 61_000;
    const limit = await postResend(agent);
    assert.equal(limit.status, 429);
    assert.match(limit.text, /sent 3 codes already/);
  });

  it('refuses a replayed code: after use, in another enrollment, and after the account exists', async () => {
    const owner = app.agent();
    const fields = fieldsOf(17);
    await postEnrollment(owner, fields);
    const code = await latestCode(app, e164(fields.phoneNumber));

    // The code is bound to its enrollment: another browser's flow for the same person does not take it.
    const other = app.agent();
    await postEnrollment(other, fieldsOf(17, '0901700017'));
    assert.equal((await postCode(other, code)).status, 400);

    assert.equal((await postCode(owner, code)).status, 303);
    // The same browser re-submitting (back button) just goes on to the password page of its verified flow.
    const again = await postCode(owner, code);
    assert.equal(again.headers.location, '/enroll/password');
    assert.equal((await postPassword(owner, GOOD_PASSWORD)).status, 201);
    const afterwards = await postCode(owner, code);
    assert.equal(afterwards.status, 400);
    assert.match(afterwards.text, /Please start over/);
    const accounts = await app.dinhdanh.stores.audit.list({ type: 'account.created' });
    const account = await app.dinhdanh.stores.accounts.findByPersonalId(fields.personalId);
    assert.equal(accounts.filter((event) => event.accountId === account!.id).length, 1);
  });

  it('refuses the password page before the phone is verified', async () => {
    const agent = app.agent();
    await postEnrollment(agent, fieldsOf(18));
    const page = await agent.get('/enroll/password');
    assert.equal(page.status, 400);
    assert.match(page.text, /Please start over/);
  });

  it('explains each refused password (NIST SP 800-63B: length, breached/common, personal data) and creates nothing until one is good', async () => {
    const agent = app.agent();
    const fields = fieldsOf(19);
    await postEnrollment(agent, fields);
    await postCode(agent, await latestCode(app, e164(fields.phoneNumber)));
    const refusals: [string, string | undefined, RegExp][] = [
      ['short', undefined, /at least 8 characters/],
      ['password123', undefined, /too common or has appeared in a breach/],
      [`my ${fields.personalId}`, undefined, /must not contain your ID number/],
      ['x'.repeat(129), undefined, /at most 128 characters/],
      [GOOD_PASSWORD, `${GOOD_PASSWORD}!`, /not the same/],
    ];
    for (const [password, confirmation, message] of refusals) {
      const response = await postPassword(agent, password, confirmation);
      assert.equal(response.status, 400, password);
      assert.match(response.text, message);
    }
    assert.equal(await app.dinhdanh.stores.accounts.findByPersonalId(fields.personalId), undefined);
    // 64 characters and more are welcome, spaces and any script too.
    assert.equal((await postPassword(agent, `${'một câu thật dài '.repeat(5)}`)).status, 201);
  });
});
