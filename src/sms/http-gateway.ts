/**
 * Adapter for a generic HTTP SMS gateway: `POST <url>` with JSON `{"to": "+84…", "text": "…"}` and a bearer
 * token; any 2xx is accepted. Most national and commercial gateways offer this shape (or a thin proxy to it).
 */
import type { SmsMessage, SmsSender } from './sms-sender.ts';
import { SmsUnavailableError } from './sms-sender.ts';

export class HttpSmsGateway implements SmsSender {
  constructor(private readonly options: { url: string; token: string; timeoutMs: number; sender: string }) {}

  async send(message: SmsMessage): Promise<void> {
    let response: Response;
    try {
      response = await fetch(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.token}` },
        body: JSON.stringify({ to: message.to, text: message.text, sender: this.options.sender }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw new SmsUnavailableError(`SMS gateway did not answer: ${(error as Error).message}`, { cause: error });
    }
    // The body is not needed; release the connection either way.
    await response.body?.cancel();
    if (!response.ok) throw new SmsUnavailableError(`SMS gateway answered ${response.status}`);
  }
}
