/**
 * The caller's in-app feed. The recipient is always the signed-in principal
 * (a user's id or a shopper's), never an argument.
 */
import {
  badInput,
  type Page,
  type Principal,
  type ReadContext,
  toConnection,
  type UnitContext,
  unauthenticated,
} from '@tradegraph/shared';
import type { NotificationsServices } from '../services.ts';
import { countFeed, feedPage, markRead, type NotificationRecord, notificationsOf } from '../store/feed.ts';
import { fail } from './errors.ts';

export const MARK_READ_MAX_IDS = 100;

/** The account whose feed the principal reads: a user or a shopper; anyone else is UNAUTHENTICATED. */
export function recipientOf(principal: Principal): string {
  if (principal.kind === 'user') return principal.userId;
  if (principal.kind === 'customer') return principal.customerId;
  throw unauthenticated('Sign in to read your notifications');
}

export async function notificationFeed(
  rx: ReadContext<NotificationsServices>,
  unreadOnly: boolean,
  page: Page<string>,
) {
  if (page.after !== null && typeof page.after !== 'string')
    throw badInput('after is not a valid cursor', 'after');
  const filter = { recipientId: recipientOf(rx.principal), unreadOnly };
  const found = await feedPage(rx.em, filter, page.after, page.limit);
  return toConnection(
    found,
    page,
    (n) => n.id,
    () => countFeed(rx.em, filter),
  );
}

export async function markNotificationsRead(
  tx: UnitContext<NotificationsServices>,
  ids: readonly string[],
): Promise<NotificationRecord[]> {
  const recipientId = recipientOf(tx.principal);
  const unique = [...new Set(ids)];
  if (!unique.length) fail('REQUIRED', 'Give at least one notification id', 'ids');
  if (unique.length > MARK_READ_MAX_IDS) fail('TOO_LONG', `At most ${MARK_READ_MAX_IDS} ids at once`, 'ids');
  const own = await notificationsOf(tx.em, recipientId, unique);
  if (own.length !== unique.length) fail('NOT_FOUND', 'A notification was not found', 'ids');
  await markRead(tx.em, recipientId, unique, new Date());
  return notificationsOf(tx.em, recipientId, unique);
}
