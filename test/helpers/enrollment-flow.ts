/**
 * Drives the level-1 enrollment pages over HTTP the way a phone's browser does: each step reads the page for
 * its CSRF token, then posts the form. The SMS code is read from the development outbox, as a tester would.
 */
import assert from 'node:assert/strict';

import { demoNewcomer } from '../../src/demo/citizens.ts';
import { toE164 } from '../../src/enrollment/enrollment-form.ts';
import { InMemoryPopulationRegistry } from '../../src/registry/in-memory-registry.ts';
import { RegistryUnavailableError, type CitizenRecord, type MatchQuery } from '../../src/registry/population-registry.ts';
import { DevelopmentSmsOutbox } from '../../src/sms/development-outbox.ts';
import type { TestApp } from './app.ts';
import { eventually } from './eventually.ts';
import { csrfFrom, type Agent } from './login-flow.ts';

export interface EnrollmentFields {
  personalId: string;
  fullName: string;
  birthDate: string;
  phoneNumber: string;
}

export async function postEnrollment(agent: Agent, fields: EnrollmentFields, lang = 'en') {
  const page = await agent.get(`/enroll?lang=${lang}`);
  assert.equal(page.status, 200);
  return agent.post('/enroll').type('form').send({ ...fields, csrf: csrfFrom(page.text) });
}

/** The form token is bound to the browser, not the page: a flow that has ended still gets a valid post. */
async function csrfOf(agent: Agent, path: string) {
  const page = await agent.get(path);
  return csrfFrom(page.status === 200 ? page.text : (await agent.get('/enroll')).text);
}

export async function postCode(agent: Agent, code: string) {
  return agent.post('/enroll/code').type('form').send({ code, csrf: await csrfOf(agent, '/enroll/code') });
}

export async function postResend(agent: Agent) {
  return agent.post('/enroll/resend').type('form').send({ csrf: await csrfOf(agent, '/enroll/code') });
}

export async function postPassword(agent: Agent, password: string, passwordConfirm = password) {
  const page = await agent.get('/enroll/password');
  assert.equal(page.status, 200, page.text);
  return agent.post('/enroll/password').type('form').send({ password, passwordConfirm, csrf: csrfFrom(page.text) });
}

export function outbox(app: TestApp): DevelopmentSmsOutbox {
  const { sms } = app.dinhdanh;
  assert.ok(sms instanceof DevelopmentSmsOutbox, 'the test app uses the development SMS outbox');
  return sms;
}

/** The newest code sent to `phone`, waiting for it (messages are sent without holding up the page). */
export async function latestCode(app: TestApp, typedPhone: string, notBefore = 0): Promise<string> {
  const phone = toE164(typedPhone) ?? typedPhone;
  return eventually(async () => {
    const messages = outbox(app).messages(phone);
    assert.ok(messages.length > notBefore, `an SMS reached ${phone}`);
    const match = /\b(\d{6})\b/.exec(messages[0]!.text);
    assert.ok(match, `the SMS carries a code: ${messages[0]!.text}`);
    return match[1]!;
  }, 5_000);
}

/** Enrolls end to end; returns the agent's final response (201 and the "ready" page when all went well). */
export async function enroll(app: TestApp, agent: Agent, fields: EnrollmentFields, password: string) {
  const started = await postEnrollment(agent, fields);
  assert.equal(started.status, 303, started.text);
  const verified = await postCode(agent, await latestCode(app, fields.phoneNumber));
  assert.equal(verified.status, 303, verified.text);
  return postPassword(agent, password);
}

/**
 * The registry the enrollment tests control: a fixed population, switchable off (every call fails as a
 * registry outage would: RegistryUnavailableError), counting the calls made to it.
 */
export class ControllableRegistry extends InMemoryPopulationRegistry {
  available = true;
  readonly calls = { match: 0, findCitizen: 0, status: 0 };

  constructor(citizens: readonly CitizenRecord[]) {
    super(citizens);
  }

  #answer() {
    if (!this.available) throw new RegistryUnavailableError('test: the registry is down');
  }

  override async match(query: MatchQuery) {
    this.calls.match += 1;
    this.#answer();
    return super.match(query);
  }

  override async findCitizen(personalId: string) {
    this.calls.findCitizen += 1;
    this.#answer();
    return super.findCitizen(personalId);
  }

  override async status(personalId: string) {
    this.calls.status += 1;
    this.#answer();
    return super.status(personalId);
  }
}

/** The demo newcomer's twin under another number (keep province 036 and "1" + "97": a woman born 1997). */
export function syntheticCitizen(overrides: Partial<CitizenRecord> & { personalId: string }): CitizenRecord {
  return { ...structuredClone(demoNewcomer), card: { ...demoNewcomer.card, number: overrides.personalId }, ...overrides };
}
