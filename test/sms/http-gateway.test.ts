/**
 * The HTTP SMS gateway adapter against a real local HTTP server playing the gateway, and the app sending its
 * enrollment codes through it (SMS_PROVIDER=http).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { demoCitizens } from '../../src/demo/citizens.ts';
import { HttpSmsGateway } from '../../src/sms/http-gateway.ts';
import { SmsUnavailableError } from '../../src/sms/sms-sender.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ControllableRegistry, postCode, postEnrollment, syntheticCitizen } from '../helpers/enrollment-flow.ts';
import { eventually } from '../helpers/eventually.ts';

interface Received {
  authorization?: string;
  contentType?: string;
  body: { to: string; text: string; sender: string };
}

/** A gateway that records what it receives and answers as `behaviour` says. */
async function startGateway(behaviour: (request: IncomingMessage, response: ServerResponse) => boolean = () => false) {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => (raw += chunk));
    request.on('end', () => {
      received.push({ authorization: request.headers.authorization, contentType: request.headers['content-type'], body: JSON.parse(raw) });
      if (behaviour(request, response)) return;
      response.writeHead(202, { 'content-type': 'application/json' }).end('{"id":"msg-1"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/messages`;
  return {
    url,
    received,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('HTTP SMS gateway adapter', function () {
  it('posts the message as JSON with the bearer token and the sender name', async () => {
    const gateway = await startGateway();
    try {
      await new HttpSmsGateway({ url: gateway.url, token: 'secret-token', timeoutMs: 2000, sender: 'DinhDanh' }).send({ to: '+84912345678', text: 'Mã: 123456' });
      assert.deepEqual(gateway.received, [
        { authorization: 'Bearer secret-token', contentType: 'application/json', body: { to: '+84912345678', text: 'Mã: 123456', sender: 'DinhDanh' } },
      ]);
    } finally {
      await gateway.close();
    }
  });

  it('reports a refusal, a gateway that does not answer in time and one that is not there as SmsUnavailableError', async () => {
    const refusing = await startGateway((_request, response) => (response.writeHead(503).end(), true));
    const hanging = await startGateway(() => true);
    try {
      const send = (url: string) => new HttpSmsGateway({ url, token: 't', timeoutMs: 300, sender: 'DinhDanh' }).send({ to: '+84912345678', text: 'x' });
      await assert.rejects(send(refusing.url), (error: Error) => error instanceof SmsUnavailableError && /503/.test(error.message));
      const started = Date.now();
      await assert.rejects(send(hanging.url), SmsUnavailableError);
      assert.ok(Date.now() - started < 2000, 'the timeout bounds the wait');
      await assert.rejects(send('http://127.0.0.1:1/messages'), SmsUnavailableError);
    } finally {
      await refusing.close();
      await hanging.close();
    }
  });

  describe('in the app (SMS_PROVIDER=http)', function () {
    let app: TestApp;
    let gateway: Awaited<ReturnType<typeof startGateway>>;
    before(async function () {
      gateway = await startGateway();
      const registry = new ControllableRegistry([...demoCitizens.map((citizen) => citizen.record), syntheticCitizen({ personalId: '036197000001' })]);
      app = await startTestApp({ SMS_PROVIDER: 'http', SMS_GATEWAY_URL: gateway.url, SMS_GATEWAY_TOKEN: 'gateway-token' }, { registry });
    });
    after(async () => {
      await app?.close();
      await gateway?.close();
    });

    it('sends the enrollment code through the gateway, and has no development outbox page', async () => {
      const agent = app.agent();
      const started = await postEnrollment(agent, { personalId: '036197000001', fullName: 'Phạm Thị Hồng Nhung', birthDate: '1997-05-09', phoneNumber: '0987654321' });
      assert.equal(started.status, 303);
      const message = await eventually(async () => {
        assert.equal(gateway.received.length, 1);
        return gateway.received[0]!;
      });
      assert.equal(message.authorization, 'Bearer gateway-token');
      assert.equal(message.body.to, '+84987654321');
      const code = /\b(\d{6})\b/.exec(message.body.text)![1]!;
      assert.equal((await postCode(agent, code)).status, 303);
      assert.equal((await agent.get('/dev/sms')).status, 404);
    });
  });
});
