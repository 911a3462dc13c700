/**
 * Port to whatever delivers text messages to phones. Implementations: the development outbox (prints and
 * shows messages, sends nothing) and a generic HTTP SMS gateway adapter.
 */

export interface SmsMessage {
  /** E.164, e.g. +84912345678. */
  to: string;
  text: string;
}

export class SmsUnavailableError extends Error {
  override name = 'SmsUnavailableError';
}

export interface SmsSender {
  send(message: SmsMessage): Promise<void>;
}
