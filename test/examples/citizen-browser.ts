/**
 * A citizen's browser over HTTP for end-to-end tests that span several sites (DinhDanh and a relying party):
 * one cookie jar per origin, redirects followed across sites, forms submitted with their hidden fields and
 * the Origin header a browser sends. Every URL it visited is kept, so a test can check what travelled in the
 * front channel.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import supertest from 'supertest';

type Agent = ReturnType<typeof supertest.agent>;

export interface Page {
  url: URL;
  status: number;
  text: string;
  /** The page's Referrer-Policy: it decides the Origin header its form posts carry. */
  referrerPolicy?: string;
}

/**
 * The Origin header a browser sends with a form post from `page` to `target` (Fetch §3.2.5, serializing a
 * request origin): `null` under `no-referrer`, and under `same-origin` for another origin.
 */
function originHeader(page: Page, target: URL): string {
  if (page.referrerPolicy === 'no-referrer') return 'null';
  if (page.referrerPolicy === 'same-origin' && target.origin !== page.url.origin) return 'null';
  return page.url.origin;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x2F;': '/', '&#x3D;': '=' };
const decode = (value: string) => value.replace(/&(amp|lt|gt|quot|#39|#x2F|#x3D);/g, (entity) => ENTITIES[entity]!);
const attribute = (tag: string, name: string) => {
  const match = new RegExp(`\\b${name}="([^"]*)"`).exec(tag);
  return match ? decode(match[1]!) : undefined;
};

export class CitizenBrowser {
  readonly #agents = new Map<string, Agent>();
  /** Every URL requested, in order (redirect hops included). */
  readonly history: URL[] = [];

  /** `sites`: origin → the server answering for it. */
  constructor(sites: Record<string, Server>) {
    for (const [origin, server] of Object.entries(sites)) this.#agents.set(new URL(origin).origin, supertest.agent(server));
  }

  #agentFor(url: URL): Agent {
    const agent = this.#agents.get(url.origin);
    assert.ok(agent, `the browser was sent to ${url.href}, a site this test does not serve`);
    return agent;
  }

  /** Opens `url` and follows redirects to the first page that is not one. */
  async open(url: string | URL): Promise<Page> {
    return this.#follow(new URL(url), (agent, target) => agent.get(`${target.pathname}${target.search}`));
  }

  /**
   * Submits the form of `page` whose action matches `action`, with its hidden fields plus `fields`, and follows
   * the redirects that answer it. `origin` plays a page of another site posting the same form (forgery).
   */
  async submit(page: Page, action: RegExp, fields: Record<string, string> = {}, { origin }: { origin?: string } = {}): Promise<Page> {
    const form = [...page.text.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/g)].map(([markup]) => markup).find((markup) => action.test(attribute(markup, 'action') ?? ''));
    assert.ok(form, `no form with action ${action} on ${page.url.href}: ${page.text.slice(0, 500)}`);
    const hidden = Object.fromEntries(
      [...form.matchAll(/<input\b[^>]*>/g)]
        .map(([tag]) => tag)
        .filter((tag) => attribute(tag, 'type') === 'hidden')
        .map((tag) => [attribute(tag, 'name')!, attribute(tag, 'value') ?? '']),
    );
    const target = new URL(attribute(form, 'action')!, page.url);
    return this.#follow(target, (agent, url) =>
      agent
        .post(`${url.pathname}${url.search}`)
        .set('origin', origin ?? originHeader(page, url))
        .type('form')
        .send({ ...hidden, ...fields }),
    );
  }

  async #follow(first: URL, request: (agent: Agent, url: URL) => supertest.Test): Promise<Page> {
    let url = first;
    let response = await this.#request(url, request);
    for (let hop = 0; hop < 20; hop += 1) {
      if (![301, 302, 303, 307, 308].includes(response.status)) return { url, status: response.status, text: response.text, referrerPolicy: response.headers['referrer-policy'] };
      url = new URL(response.headers.location!, url);
      response = await this.#request(url, (agent, target) => agent.get(`${target.pathname}${target.search}`));
    }
    throw new Error(`too many redirects, last ${url.href}`);
  }

  #request(url: URL, request: (agent: Agent, url: URL) => supertest.Test) {
    this.history.push(url);
    return request(this.#agentFor(url), url);
  }
}
