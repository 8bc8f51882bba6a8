/**
 * Typed-resolver generation for this subgraph (see schema/codegen.ts): the context, and the
 * value a resolver returns for each GraphQL type. Paths are relative to src/generated/resolvers.ts.
 */
export default {
  contextType: '../services.ts#NotificationsContext',
  mappers: {
    Notification: '../store/feed.ts#NotificationRecord',
    NotificationPreference: '../store/settings.ts#PreferenceRecord',
    OrganizationNotificationSettings: '../store/settings.ts#OrganizationSettingsRecord',
    NotificationContact: '../store/settings.ts#ContactRecord',
    NotificationTemplate: '../store/templates.ts#TemplateRecord',
    // The domain raises user errors through `fail` (src/domain/errors.ts), typed by the code enum.
    NotificationsUserError: '@tradegraph/shared#UserError',
  },
};
