import { payload, read, write } from '@tradegraph/shared';
import {
  contact,
  effectiveThreshold,
  organizationSettings,
  preferences,
  setContact,
  setLowStockThreshold,
  setPreference,
  setSlackWebhook,
} from '../domain/settings.ts';
import type {
  MutationResolvers,
  OrganizationNotificationSettingsResolvers,
  QueryResolvers,
} from '../generated/resolvers.ts';

export const settingsQueries = {
  notificationPreferences: (_, { scope }, ctx) => {
    const s = scope ?? 'USER';
    return read(ctx, { permission: s === 'ORGANIZATION' ? 'org:read' : 'public', tenant: 'service' }, (rx) =>
      preferences(rx, s),
    );
  },
  notificationSettings: (_, __, ctx) =>
    read(ctx, { permission: 'org:read', tenant: 'service' }, (rx) => organizationSettings(rx)),
  notificationContact: (_, __, ctx) =>
    read(ctx, { permission: 'public', tenant: 'service' }, (rx) => contact(rx)),
} satisfies Pick<QueryResolvers, 'notificationPreferences' | 'notificationSettings' | 'notificationContact'>;

export const settingsMutations = {
  setNotificationPreference: (_, { input }, ctx) =>
    payload('preference', () =>
      write(
        ctx,
        { permission: input.scope === 'ORGANIZATION' ? 'org:manage' : 'public', tenant: 'service' },
        (tx) => setPreference(tx, input),
      ),
    ),
  setSlackWebhook: (_, { input }, ctx) =>
    payload('settings', () =>
      write(ctx, { permission: 'org:manage', tenant: 'service' }, (tx) => setSlackWebhook(tx, input.url)),
    ),
  setLowStockThreshold: (_, { input }, ctx) =>
    payload('settings', () =>
      write(ctx, { permission: 'org:manage', tenant: 'service' }, (tx) =>
        setLowStockThreshold(tx, input.threshold),
      ),
    ),
  setNotificationContact: (_, { input }, ctx) =>
    payload('contact', () =>
      write(ctx, { permission: 'public', tenant: 'service' }, (tx) => setContact(tx, input)),
    ),
} satisfies Pick<
  MutationResolvers,
  'setNotificationPreference' | 'setSlackWebhook' | 'setLowStockThreshold' | 'setNotificationContact'
>;

export const organizationSettingsResolvers = {
  slackWebhookConfigured: (s) => s.slackWebhookUrl !== null,
  lowStockThreshold: (s, _, ctx) => effectiveThreshold(s.lowStockThreshold, ctx.services.config),
} satisfies OrganizationNotificationSettingsResolvers;
