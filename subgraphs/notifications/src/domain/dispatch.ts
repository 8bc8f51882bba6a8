/**
 * Turns what happened (an intent: a kind of notification, its template data
 * and who it concerns) into deliveries: the recipients and their channels
 * after preferences, each rendered from the template in the recipient's
 * locale and queued once per (event, recipient, channel) in the consumer's
 * transaction. The sweeper (domain/deliveries.ts) sends them.
 */
import { createHash } from 'node:crypto';
import { newId } from '@tradegraph/shared';
import type { NotificationsContext } from '../services.ts';
import { insertDelivery, type NewDelivery } from '../store/deliveries.ts';
import { type AccountRecord, findAccountByEmail, findAccounts, membersOf } from '../store/projections.ts';
import { findOrganizationSettings, type PreferenceRecord, preferencesOf } from '../store/settings.ts';
import { type TemplateRecord, templatesIn } from '../store/templates.ts';
import {
  CHANNEL_DEFAULTS,
  DEFAULT_TEMPLATES,
  localeFallbacks,
  MANDATORY_EMAIL,
  type NotificationChannel,
  type NotificationEventType,
  type TemplateText,
} from './catalogue.ts';
import { escapeHtml, escapeSlack, noEscape, render, type TemplateData, textToHtml } from './render.ts';

export const DELIVERY_ID_PREFIX = 'dlv';

/** Who an event concerns. */
export type Audience =
  /** A user or shopper account; `organizationId`: the organisation whose defaults apply (for members). */
  | { kind: 'account'; accountId: string; organizationId: string | null; fallbackEmail?: string | null }
  /** An organisation: each member's account, and the organisation's Slack webhook. */
  | { kind: 'organization'; organizationId: string }
  /** A bare address (an invitation, a password reset): email only. */
  | { kind: 'email'; email: string };

export interface Intent {
  eventType: NotificationEventType;
  /** What the templates may show: built from the event's payload only. */
  data: TemplateData;
  audiences: Audience[];
}

/** One channel to one recipient, before rendering. */
interface Target {
  channel: NotificationChannel;
  /** accountId, organisationId, or `email:<hash>` for a bare address. */
  recipientKey: string;
  recipientId: string | null;
  address: string;
  locale: string;
}

/**
 * Whether a channel is on: the person's own setting, else their
 * organisation's, else the channel's default (pure).
 */
export function channelEnabled(
  channel: NotificationChannel,
  own: boolean | undefined,
  organization: boolean | undefined,
): boolean {
  return own ?? organization ?? CHANNEL_DEFAULTS[channel];
}

const emailKey = (email: string) =>
  `email:${createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 40)}`;

function accountTargets(
  account: AccountRecord,
  organizationId: string | null,
  setting: (owner: string | null, channel: NotificationChannel) => boolean | undefined,
): Target[] {
  const on = (channel: NotificationChannel) =>
    channelEnabled(channel, setting(account.id, channel), setting(organizationId, channel));
  const base = { recipientKey: account.id, recipientId: account.id, locale: account.locale };
  const targets: Target[] = [];
  if (on('EMAIL')) targets.push({ ...base, channel: 'EMAIL', address: account.email });
  if (account.phoneNumber && on('SMS'))
    targets.push({ ...base, channel: 'SMS', address: account.phoneNumber });
  if (on('IN_APP')) targets.push({ ...base, channel: 'IN_APP', address: account.id });
  return targets;
}

/** The channels and addresses the intent reaches, after preferences. */
async function targetsOf(ctx: NotificationsContext, intent: Intent): Promise<Target[]> {
  const mandatory = MANDATORY_EMAIL.has(intent.eventType);
  const targets: Target[] = [];
  const memberSets = await Promise.all(
    intent.audiences.map(async (a) => {
      if (a.kind === 'organization')
        return { audience: a, members: await membersOf(ctx.em, a.organizationId) };
      if (a.kind === 'account') return { audience: a, members: await findAccounts(ctx.em, [a.accountId]) };
      return { audience: a, members: [] };
    }),
  );
  const owners = new Set<string>();
  for (const { audience, members } of memberSets) {
    if (audience.kind === 'organization') owners.add(audience.organizationId);
    if (audience.kind === 'account' && audience.organizationId) owners.add(audience.organizationId);
    for (const m of members) owners.add(m.id);
  }
  const prefs = new Map<string, boolean>(
    (await preferencesOf(ctx.em, [...owners], intent.eventType)).map((p: PreferenceRecord) => [
      `${p.ownerId}:${p.channel}`,
      p.enabled,
    ]),
  );
  const setting = (owner: string | null, channel: NotificationChannel) =>
    owner ? prefs.get(`${owner}:${channel}`) : undefined;

  for (const { audience, members } of memberSets) {
    if (audience.kind === 'email') {
      const account = await findAccountByEmail(ctx.em, audience.email.toLowerCase());
      targets.push({
        channel: 'EMAIL',
        recipientKey: emailKey(audience.email),
        recipientId: account?.id ?? null,
        address: audience.email,
        locale: account?.locale ?? 'en',
      });
      continue;
    }
    if (audience.kind === 'account') {
      const account = members[0];
      if (account) {
        targets.push(
          ...(mandatory
            ? [
                {
                  channel: 'EMAIL' as const,
                  recipientKey: account.id,
                  recipientId: account.id,
                  address: account.email,
                  locale: account.locale,
                },
              ]
            : accountTargets(account, audience.organizationId, setting)),
        );
      } else if (audience.fallbackEmail) {
        // a guest, or a shopper whose registration has not reached us: the checkout email
        targets.push({
          channel: 'EMAIL',
          recipientKey: audience.accountId,
          recipientId: null,
          address: audience.fallbackEmail,
          locale: 'en',
        });
      } else {
        ctx.logger.warn(
          { accountId: audience.accountId, eventType: intent.eventType },
          'notification recipient unknown',
        );
      }
      continue;
    }
    for (const account of members) targets.push(...accountTargets(account, audience.organizationId, setting));
    const settings = await findOrganizationSettings(ctx.em, audience.organizationId);
    if (
      settings.slackWebhookUrl &&
      channelEnabled('SLACK', setting(audience.organizationId, 'SLACK'), undefined)
    ) {
      targets.push({
        channel: 'SLACK',
        recipientKey: audience.organizationId,
        recipientId: audience.organizationId,
        address: settings.slackWebhookUrl,
        locale: 'en',
      });
    }
  }
  return targets;
}

/** The template for the locale: the most specific stored one, else the built-in English default. */
async function templateFor(
  ctx: NotificationsContext,
  eventType: NotificationEventType,
  locale: string,
  cache: Map<string, TemplateText>,
): Promise<TemplateText> {
  const cached = cache.get(locale);
  if (cached) return cached;
  const fallbacks = localeFallbacks(locale);
  const stored = new Map(
    (await templatesIn(ctx.em, eventType, fallbacks)).map((t: TemplateRecord) => [t.locale, t]),
  );
  const chosen =
    fallbacks.map((l) => stored.get(l)).find((t) => t !== undefined) ??
    DEFAULT_TEMPLATES.find((t) => t.eventType === eventType && t.locale === 'en')!.template;
  cache.set(locale, chosen);
  return chosen;
}

const oneLine = (s: string) =>
  s
    .replaceAll(/[\r\n]+/g, ' ')
    .trim()
    .slice(0, 500);

/** The message of one channel, rendered with that channel's escaping. */
export function renderFor(
  channel: NotificationChannel,
  template: TemplateText,
  data: TemplateData,
): { subject: string; text: string; html: string | null } {
  const subject = oneLine(render(template.subject, data, noEscape));
  const text = render(template.text, data, noEscape);
  if (channel === 'EMAIL') {
    return {
      subject,
      text,
      html: template.html ? render(template.html, data, escapeHtml) : textToHtml(text),
    };
  }
  if (channel === 'SLACK') {
    return {
      subject,
      text: `*${oneLine(render(template.subject, data, escapeSlack))}*\n${render(template.text, data, escapeSlack)}`,
      html: null,
    };
  }
  return { subject, text, html: null };
}

/**
 * Queues the intent's deliveries in the caller's transaction. The idempotency
 * key (event, recipient, channel) makes a redelivered event queue nothing new;
 * answers how many were queued.
 */
export async function queueNotifications(
  ctx: NotificationsContext,
  eventId: string,
  intent: Intent,
): Promise<number> {
  const targets = await targetsOf(ctx, intent);
  const templates = new Map<string, TemplateText>();
  let queued = 0;
  const now = new Date();
  for (const t of targets) {
    const template = await templateFor(ctx, intent.eventType, t.locale, templates);
    const delivery: NewDelivery = {
      id: newId(DELIVERY_ID_PREFIX),
      idempotencyKey: `${eventId}:${t.recipientKey}:${t.channel}`,
      eventId,
      eventType: intent.eventType,
      channel: t.channel,
      recipientId: t.recipientId,
      address: t.address,
      ...renderFor(t.channel, template, intent.data),
      createdAt: now,
    };
    if (await insertDelivery(ctx.em, delivery)) queued++;
  }
  return queued;
}
