/**
 * Preferences (per user or shopper, and per organisation), an organisation's
 * Slack webhook and low-stock threshold, and a person's phone and locale.
 * Whose settings they are comes from the principal, never from an argument.
 */
import { type Actor, forbidden, type ReadContext, type UnitContext } from '@tradegraph/shared';
import type { NotificationPreferenceScope } from '../generated/resolvers.ts';
import type { NotificationsServices } from '../services.ts';
import {
  type ContactRecord,
  findContact,
  findOrganizationSettings,
  type PreferenceRecord,
  preferencesOf,
  saveContact,
  saveLowStockThreshold,
  savePreference,
  saveSlackWebhook,
} from '../store/settings.ts';
import { MANDATORY_EMAIL, type NotificationChannel, type NotificationEventType } from './catalogue.ts';
import { fail } from './errors.ts';
import { recipientOf } from './feed.ts';

function requireActor(actor: Actor | null): Actor {
  // a unit with a permission always has one; a programming error otherwise
  if (!actor) throw forbidden('You do not act for an organisation');
  return actor;
}

/** Who owns a preference of `scope` for this caller. */
const ownerOf = (ctx: ReadContext<unknown>, scope: NotificationPreferenceScope) =>
  scope === 'ORGANIZATION' ? requireActor(ctx.actor).organizationId : recipientOf(ctx.principal);

export async function setPreference(
  tx: UnitContext<NotificationsServices>,
  input: {
    scope: NotificationPreferenceScope;
    eventType: NotificationEventType;
    channel: NotificationChannel;
    enabled: boolean;
  },
): Promise<PreferenceRecord> {
  if (input.channel === 'SLACK' && input.scope !== 'ORGANIZATION') {
    fail('INVALID', 'Slack is set for the whole organisation (scope ORGANIZATION)', 'channel');
  }
  if (MANDATORY_EMAIL.has(input.eventType)) {
    fail('INVALID', `${input.eventType} is always sent by email and cannot be changed`, 'eventType');
  }
  const preference: PreferenceRecord = { ownerId: ownerOf(tx, input.scope), ...input, updatedAt: new Date() };
  await savePreference(tx.em, preference);
  return preference;
}

export function preferences(rx: ReadContext<NotificationsServices>, scope: NotificationPreferenceScope) {
  return preferencesOf(rx.em, [ownerOf(rx, scope)]);
}

export const SLACK_URL_MAX_LENGTH = 500;

/** Whether `url` may be a webhook: one of the configured prefixes (no redirect to internal hosts). */
export function slackUrlAllowed(url: string, prefixes: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.username || parsed.password) return false;
  return prefixes
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .some((p) => parsed.href.startsWith(p));
}

export async function setSlackWebhook(
  tx: UnitContext<NotificationsServices>,
  url: string | null | undefined,
) {
  const actor = requireActor(tx.actor);
  const trimmed = url?.trim() || null;
  if (trimmed !== null) {
    if (trimmed.length > SLACK_URL_MAX_LENGTH)
      fail('TOO_LONG', `At most ${SLACK_URL_MAX_LENGTH} characters`, 'url');
    if (!slackUrlAllowed(trimmed, tx.services.config.NOTIFICATIONS_SLACK_WEBHOOK_PREFIXES)) {
      fail('INVALID', 'Give the URL of a Slack incoming webhook (https://hooks.slack.com/…)', 'url');
    }
  }
  await saveSlackWebhook(tx.em, actor.organizationId, trimmed);
  return findOrganizationSettings(tx.em, actor.organizationId);
}

export const LOW_STOCK_THRESHOLD_MAX = 1_000_000;

export async function setLowStockThreshold(tx: UnitContext<NotificationsServices>, threshold: number) {
  const actor = requireActor(tx.actor);
  if (!Number.isInteger(threshold) || threshold < 0 || threshold > LOW_STOCK_THRESHOLD_MAX) {
    fail(
      'INVALID',
      `The threshold is a whole number of units from 0 to ${LOW_STOCK_THRESHOLD_MAX}`,
      'threshold',
    );
  }
  await saveLowStockThreshold(tx.em, actor.organizationId, threshold);
  return findOrganizationSettings(tx.em, actor.organizationId);
}

export function organizationSettings(rx: ReadContext<NotificationsServices>) {
  return findOrganizationSettings(rx.em, requireActor(rx.actor).organizationId);
}

/** The threshold an organisation's LOW_STOCK uses. */
export const effectiveThreshold = (stored: number | null, config: NotificationsServices['config']) =>
  stored ?? config.NOTIFICATIONS_LOW_STOCK_THRESHOLD;

const E164 = /^\+[1-9]\d{7,14}$/;
const LOCALE = /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/;

export function contact(rx: ReadContext<NotificationsServices>): Promise<ContactRecord> {
  return findContact(rx.em, recipientOf(rx.principal));
}

export async function setContact(
  tx: UnitContext<NotificationsServices>,
  input: { phoneNumber?: string | null; locale?: string | null },
): Promise<ContactRecord> {
  const current = await findContact(tx.em, recipientOf(tx.principal));
  const phoneNumber = input.phoneNumber?.replaceAll(/[\s-]/g, '') || null;
  if (phoneNumber !== null && !E164.test(phoneNumber)) {
    fail('INVALID', 'Give the phone number in international form, e.g. +4915112345678', 'phoneNumber');
  }
  const locale = input.locale == null ? current.locale : input.locale.trim().toLowerCase();
  if (locale.length > 35 || !LOCALE.test(locale))
    fail('INVALID', 'Give a language tag such as en, de or fr-ca', 'locale');
  const next = { accountId: current.accountId, phoneNumber, locale };
  await saveContact(tx.em, next);
  return next;
}
