import { dbDate, type EntityManager, rows } from '@tradegraph/shared';
import type { NotificationChannel, NotificationEventType } from '../domain/catalogue.ts';
import type { NotificationPreferenceScope } from '../generated/resolvers.ts';

/** Preferences, organisation settings and contacts. */

export interface PreferenceRecord {
  ownerId: string;
  scope: NotificationPreferenceScope;
  eventType: NotificationEventType;
  channel: NotificationChannel;
  enabled: boolean;
  updatedAt: Date;
}

type PreferenceRow = {
  owner_id: string;
  scope: NotificationPreferenceScope;
  event_type: NotificationEventType;
  channel: NotificationChannel;
  enabled: number;
  updated_at: Date | string;
};

const preferenceOf = (r: PreferenceRow): PreferenceRecord => ({
  ownerId: r.owner_id,
  scope: r.scope,
  eventType: r.event_type,
  channel: r.channel,
  enabled: r.enabled === 1,
  updatedAt: dbDate(r.updated_at),
});

export async function savePreference(em: EntityManager, p: PreferenceRecord): Promise<void> {
  await em.execute(
    `insert into preferences (owner_id, scope, event_type, channel, enabled, updated_at) values (?, ?, ?, ?, ?, ?)
     on duplicate key update enabled = values(enabled), updated_at = values(updated_at)`,
    [p.ownerId, p.scope, p.eventType, p.channel, p.enabled ? 1 : 0, p.updatedAt],
  );
}

/** Every stored preference of the owners (accounts and organisations), optionally of one event type. */
export async function preferencesOf(
  em: EntityManager,
  ownerIds: readonly string[],
  eventType?: NotificationEventType,
): Promise<PreferenceRecord[]> {
  if (!ownerIds.length) return [];
  const found = await rows<PreferenceRow>(
    em,
    `select owner_id, scope, event_type, channel, enabled, updated_at from preferences
     where owner_id in (${ownerIds.map(() => '?').join(', ')})${eventType ? ' and event_type = ?' : ''}
     order by owner_id, event_type, channel`,
    eventType ? [...ownerIds, eventType] : [...ownerIds],
  );
  return found.map(preferenceOf);
}

export interface OrganizationSettingsRecord {
  organizationId: string;
  slackWebhookUrl: string | null;
  /** Null: the configured default. */
  lowStockThreshold: number | null;
}

export async function findOrganizationSettings(
  em: EntityManager,
  organizationId: string,
): Promise<OrganizationSettingsRecord> {
  const [row] = await rows<{ slack_webhook_url: string | null; low_stock_threshold: number | null }>(
    em,
    'select slack_webhook_url, low_stock_threshold from organization_settings where organization_id = ?',
    [organizationId],
  );
  return {
    organizationId,
    slackWebhookUrl: row?.slack_webhook_url ?? null,
    lowStockThreshold: row?.low_stock_threshold ?? null,
  };
}

export async function saveSlackWebhook(
  em: EntityManager,
  organizationId: string,
  url: string | null,
): Promise<void> {
  await em.execute(
    `insert into organization_settings (organization_id, slack_webhook_url, updated_at) values (?, ?, ?)
     on duplicate key update slack_webhook_url = values(slack_webhook_url), updated_at = values(updated_at)`,
    [organizationId, url, new Date()],
  );
}

export async function saveLowStockThreshold(
  em: EntityManager,
  organizationId: string,
  threshold: number,
): Promise<void> {
  await em.execute(
    `insert into organization_settings (organization_id, low_stock_threshold, updated_at) values (?, ?, ?)
     on duplicate key update low_stock_threshold = values(low_stock_threshold), updated_at = values(updated_at)`,
    [organizationId, threshold, new Date()],
  );
}

export interface ContactRecord {
  accountId: string;
  phoneNumber: string | null;
  locale: string;
}

export async function findContact(em: EntityManager, accountId: string): Promise<ContactRecord> {
  const [row] = await rows<{ phone_number: string | null; locale: string }>(
    em,
    'select phone_number, locale from contacts where account_id = ?',
    [accountId],
  );
  return { accountId, phoneNumber: row?.phone_number ?? null, locale: row?.locale ?? 'en' };
}

export async function saveContact(em: EntityManager, c: ContactRecord): Promise<void> {
  await em.execute(
    `insert into contacts (account_id, phone_number, locale, updated_at) values (?, ?, ?, ?)
     on duplicate key update phone_number = values(phone_number), locale = values(locale), updated_at = values(updated_at)`,
    [c.accountId, c.phoneNumber, c.locale, new Date()],
  );
}
