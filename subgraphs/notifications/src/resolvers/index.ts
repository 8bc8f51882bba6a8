import { scalarResolvers } from '@tradegraph/shared';
import type { Resolvers } from '../generated/resolvers.ts';
import { feedMutations, feedQueries, feedSubscriptions, notificationResolvers } from './feed.ts';
import { organizationSettingsResolvers, settingsMutations, settingsQueries } from './settings.ts';
import { templateMutations, templateQueries } from './templates.ts';

/** Typed from the SDL (src/generated/resolvers.ts): a missing, misnamed or mis-shaped resolver fails typecheck. */
export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: { ...feedQueries, ...settingsQueries, ...templateQueries },
  Mutation: { ...feedMutations, ...settingsMutations, ...templateMutations },
  Subscription: { ...feedSubscriptions },
  Notification: notificationResolvers,
  OrganizationNotificationSettings: organizationSettingsResolvers,
};
