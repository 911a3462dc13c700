/**
 * Append-only record of security-relevant events (logins, consents, lockouts, level changes, …).
 * Operators and, later, citizens read it; nothing in it is ever updated.
 */

export type AuditEventType =
  | 'login.succeeded'
  | 'login.failed'
  | 'consent.granted'
  | 'consent.denied'
  | 'logout'
  | 'account.created'
  | 'account.suspended'
  | 'enrollment.started'
  | 'recovery.started'
  | 'account.password_reset'
  | 'account.locked'
  | 'account.unlocked'
  | 'login.throttled'
  | 'login.level_unmet'
  | 'authenticator.added'
  | 'authenticator.removed'
  | 'account_area.signed_in'
  | 'account_area.signed_out'
  | 'client.registered'
  | 'client.updated'
  | 'client.disabled'
  | 'client.secret_rotated'
  | 'identity.chip_verified'
  | 'identity.chip_refused'
  | 'identity.face_mismatch'
  | 'account.level_raised'
  | 'account.level_lowered'
  | 'desk.signed_in'
  | 'desk.signed_out'
  | 'desk.access_refused'
  | 'desk.citizen_viewed'
  | 'desk.self_action_refused'
  | 'staff.granted'
  | 'staff.revoked'
  | 'ciba.requested'
  | 'ciba.approved'
  | 'ciba.declined'
  | 'logout.backchannel_delivered'
  | 'logout.backchannel_failed';

export interface AuditEvent {
  id: string;
  at: Date;
  type: AuditEventType;
  accountId?: string;
  clientId?: string;
  /** Source address as seen by the provider (honours `http.trustProxy`). */
  ip?: string;
  /** Event-specific facts; never secrets, never full personal identification numbers. */
  details?: Record<string, string | number | boolean>;
}

export type NewAuditEvent = Omit<AuditEvent, 'id' | 'at'>;

export interface AuditLog {
  record(event: NewAuditEvent): Promise<AuditEvent>;
  /** Newest first. */
  list(filter?: { accountId?: string; type?: AuditEventType; limit?: number }): Promise<AuditEvent[]>;
}
