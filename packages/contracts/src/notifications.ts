/**
 * Events produced by the notifications subgraph. Events of one aggregate
 * share its `aggregateId` and are delivered in order.
 */
import { type EventVersions, registerEventTypes } from '@tradegraph/shared/events';

/**
 * A notification could not be delivered after its last attempt (or was
 * refused for good, e.g. a 5xx from the SMTP server, a deleted Slack
 * webhook). Nothing more will be tried. Aggregate: the delivery.
 */
export interface NotificationDeliveryFailedPayload {
  deliveryId: string;
  /** The event that caused it. */
  eventId: string;
  /** NotificationEventType, e.g. ORDER_PLACED. */
  eventType: string;
  channel: 'EMAIL' | 'SMS' | 'SLACK' | 'IN_APP';
  /** The account or organisation it was for; null for a bare email address. */
  recipientId: string | null;
  attempts: number;
  /** The last failure, as the channel reported it. */
  error: string;
}

/** The notifications slice of the event catalogue: type → current version and payload. */
export interface NotificationsEvents {
  'notifications.delivery.failed': { version: 1; payload: NotificationDeliveryFailedPayload };
}

declare module '@tradegraph/shared/events/catalogue' {
  interface EventCatalogue extends NotificationsEvents {}
}

export const NOTIFICATIONS_EVENT_VERSIONS: EventVersions<keyof NotificationsEvents> = {
  'notifications.delivery.failed': 1,
};
registerEventTypes(NOTIFICATIONS_EVENT_VERSIONS);
