/**
 * DEVELOPMENT ONLY: an "SMS gateway" that sends nothing. Messages are logged and kept for the development
 * outbox page (/dev/sms). Production refuses it (config: SMS_PROVIDER=development-outbox).
 */
import type { Logger } from 'pino';

import type { SmsMessage, SmsSender } from './sms-sender.ts';

export interface OutboxEntry extends SmsMessage {
  at: Date;
}

export class DevelopmentSmsOutbox implements SmsSender {
  readonly #messages: OutboxEntry[] = [];
  readonly #logger: Logger;
  readonly #capacity: number;

  constructor(logger: Logger, capacity = 200) {
    this.#logger = logger;
    this.#capacity = capacity;
  }

  async send(message: SmsMessage): Promise<void> {
    this.#messages.push({ ...message, at: new Date() });
    if (this.#messages.length > this.#capacity) this.#messages.shift();
    this.#logger.info({ to: message.to, text: message.text }, 'DEVELOPMENT SMS OUTBOX (not sent to any phone)');
  }

  /** Newest first. */
  messages(to?: string): OutboxEntry[] {
    return this.#messages.filter((message) => !to || message.to === to).reverse();
  }
}
