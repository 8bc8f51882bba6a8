import { dbDate, type EntityManager, placeholders, rows } from '@tradegraph/shared';
import type { NotificationEventType } from '../domain/catalogue.ts';

/** The in-app feed: one row per IN_APP delivery. Ids are ULID-based, so `id desc` is newest first. */

export interface NotificationRecord {
  id: string;
  recipientId: string;
  eventType: NotificationEventType;
  title: string;
  body: string;
  createdAt: Date;
  readAt: Date | null;
}

type NotificationRow = {
  id: string;
  recipient_id: string;
  event_type: NotificationEventType;
  title: string;
  body: string;
  created_at: Date | string;
  read_at: Date | string | null;
};

const notificationOf = (r: NotificationRow): NotificationRecord => ({
  id: r.id,
  recipientId: r.recipient_id,
  eventType: r.event_type,
  title: r.title,
  body: r.body,
  createdAt: dbDate(r.created_at),
  readAt: r.read_at === null ? null : dbDate(r.read_at),
});

const SELECT = 'select id, recipient_id, event_type, title, body, created_at, read_at from notifications';

/** Adds the delivery's notification to the feed; false when it is there already (a retried delivery). */
export async function insertNotification(
  em: EntityManager,
  deliveryId: string,
  n: Omit<NotificationRecord, 'readAt'>,
): Promise<boolean> {
  const res = await em.execute<{ affectedRows: number }>(
    `insert ignore into notifications (id, delivery_id, recipient_id, event_type, title, body, created_at)
     values (${placeholders(7)})`,
    [n.id, deliveryId, n.recipientId, n.eventType, n.title, n.body, n.createdAt],
    'run',
  );
  return res.affectedRows > 0;
}

export interface FeedFilter {
  recipientId: string;
  unreadOnly: boolean;
}

const where = (f: FeedFilter) => `recipient_id = ?${f.unreadOnly ? ' and read_at is null' : ''}`;

/** A page of the recipient's feed, newest first, after the cursor `afterId`. */
export async function feedPage(
  em: EntityManager,
  f: FeedFilter,
  afterId: string | null,
  limit: number,
): Promise<NotificationRecord[]> {
  const found = await rows<NotificationRow>(
    em,
    `${SELECT} where ${where(f)}${afterId ? ' and id < ?' : ''} order by id desc limit ?`,
    afterId ? [f.recipientId, afterId, limit] : [f.recipientId, limit],
  );
  return found.map(notificationOf);
}

export async function countFeed(em: EntityManager, f: FeedFilter): Promise<number> {
  const [row] = await rows<{ n: number | string }>(
    em,
    `select count(*) as n from notifications where ${where(f)}`,
    [f.recipientId],
  );
  return Number(row?.n ?? 0);
}

/** The recipient's notifications among `ids` (others' ids are not found). */
export async function notificationsOf(
  em: EntityManager,
  recipientId: string,
  ids: readonly string[],
): Promise<NotificationRecord[]> {
  const found = await rows<NotificationRow>(
    em,
    `${SELECT} where recipient_id = ? and id in (${placeholders(ids.length)}) order by id desc`,
    [recipientId, ...ids],
  );
  return found.map(notificationOf);
}

/** Marks them read; ones read before keep their time. */
export async function markRead(
  em: EntityManager,
  recipientId: string,
  ids: readonly string[],
  at: Date,
): Promise<void> {
  await em.execute(
    `update notifications set read_at = ? where recipient_id = ? and read_at is null and id in (${placeholders(ids.length)})`,
    [at, recipientId, ...ids],
  );
}
