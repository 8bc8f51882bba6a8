import { dbDate, type EntityManager, placeholders, rows } from '@tradegraph/shared';
import type { NotificationChannel, NotificationEventType } from '../domain/catalogue.ts';

/**
 * Deliveries: one row per (event, recipient, channel), queued in the
 * consumer's transaction and sent by the sweeper. `status`: PENDING (due at
 * `next_attempt_at`), SENDING (claimed until `next_attempt_at`, the lease),
 * SENT, FAILED (permanently).
 */

export type DeliveryStatus = 'PENDING' | 'SENDING' | 'SENT' | 'FAILED';

export interface NewDelivery {
  id: string;
  idempotencyKey: string;
  eventId: string;
  eventType: NotificationEventType;
  channel: NotificationChannel;
  /** The account (or organisation, for SLACK) it is for; null for a bare email address. */
  recipientId: string | null;
  /** Email address, phone number, webhook URL or (IN_APP) the account id. */
  address: string;
  subject: string;
  text: string;
  html: string | null;
  createdAt: Date;
}

export interface DeliveryRecord extends NewDelivery {
  status: DeliveryStatus;
  attempts: number;
}

/** Queues a delivery; false when one with its idempotency key exists (a redelivered event). */
export async function insertDelivery(em: EntityManager, d: NewDelivery): Promise<boolean> {
  const res = await em.execute<{ affectedRows: number }>(
    `insert ignore into deliveries (id, idempotency_key, event_id, event_type, channel, recipient_id, address,
       subject, text_body, html_body, status, attempts, next_attempt_at, created_at)
     values (${placeholders(14)})`,
    [
      d.id,
      d.idempotencyKey,
      d.eventId,
      d.eventType,
      d.channel,
      d.recipientId,
      d.address,
      d.subject,
      d.text,
      d.html,
      'PENDING',
      0,
      d.createdAt,
      d.createdAt,
    ],
    'run',
  );
  return res.affectedRows > 0;
}

type DeliveryRow = {
  id: string;
  idempotency_key: string;
  event_id: string;
  event_type: NotificationEventType;
  channel: NotificationChannel;
  recipient_id: string | null;
  address: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  status: DeliveryStatus;
  attempts: number;
  created_at: Date | string;
};

const deliveryOf = (r: DeliveryRow): DeliveryRecord => ({
  id: r.id,
  idempotencyKey: r.idempotency_key,
  eventId: r.event_id,
  eventType: r.event_type,
  channel: r.channel,
  recipientId: r.recipient_id,
  address: r.address,
  subject: r.subject,
  text: r.text_body,
  html: r.html_body,
  status: r.status,
  attempts: r.attempts,
  createdAt: dbDate(r.created_at),
});

/**
 * Claims up to `limit` due deliveries (PENDING and due, or SENDING whose lease
 * ran out: the process that claimed them died) until `leaseUntil`. Rows other
 * sweepers hold are skipped, so two processes never claim the same one.
 */
export async function claimDue(
  em: EntityManager,
  now: Date,
  leaseUntil: Date,
  limit: number,
): Promise<DeliveryRecord[]> {
  const due = await rows<DeliveryRow>(
    em,
    `select id, idempotency_key, event_id, event_type, channel, recipient_id, address, subject, text_body, html_body,
       status, attempts, created_at
     from deliveries where status in ('PENDING', 'SENDING') and next_attempt_at <= ?
     order by next_attempt_at limit ? for update skip locked`,
    [now, limit],
  );
  if (!due.length) return [];
  await em.execute(
    `update deliveries set status = 'SENDING', next_attempt_at = ? where id in (${placeholders(due.length)})`,
    [leaseUntil, ...due.map((d) => d.id)],
  );
  return due.map(deliveryOf);
}

/** Records one attempt and the delivery's next state. */
export async function recordAttempt(
  em: EntityManager,
  deliveryId: string,
  attempt: number,
  outcome: { status: 'SENT' | 'FAILED' | 'PENDING'; error: string | null; nextAttemptAt: Date; at: Date },
): Promise<void> {
  await em.execute(
    'insert into delivery_attempts (delivery_id, attempt, outcome, error, at) values (?, ?, ?, ?, ?)',
    [deliveryId, attempt, outcome.error === null ? 'SENT' : 'FAILED', outcome.error, outcome.at],
  );
  await em.execute(
    `update deliveries set status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, finished_at = ?
     where id = ?`,
    [
      outcome.status,
      attempt,
      outcome.nextAttemptAt,
      outcome.error,
      outcome.status === 'PENDING' ? null : outcome.at,
      deliveryId,
    ],
  );
}
