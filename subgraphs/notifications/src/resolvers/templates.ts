import { payload, read, write } from '@tradegraph/shared';
import { listTemplates, updateTemplate } from '../domain/templates.ts';
import type { MutationResolvers, QueryResolvers } from '../generated/resolvers.ts';

export const templateQueries = {
  notificationTemplates: (_, { eventType }, ctx) =>
    read(ctx, { permission: 'platform:admin', tenant: 'service', kinds: ['PLATFORM'] }, (rx) =>
      listTemplates(rx.em, eventType),
    ),
} satisfies Pick<QueryResolvers, 'notificationTemplates'>;

export const templateMutations = {
  updateNotificationTemplate: (_, { input }, ctx) =>
    payload('template', () =>
      write(ctx, { permission: 'platform:admin', tenant: 'service', kinds: ['PLATFORM'] }, (tx) =>
        updateTemplate(tx, input),
      ),
    ),
} satisfies Pick<MutationResolvers, 'updateNotificationTemplate'>;
