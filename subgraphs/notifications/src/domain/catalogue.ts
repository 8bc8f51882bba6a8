/**
 * The kinds of notification, the channels, what is on by default, and the
 * seeded templates (English and German). The placeholders each kind offers
 * are the keys of the data its event builds (events/consumers.ts →
 * domain/intents.ts); docs/notifications.md lists them.
 */
import type { NotificationChannel, NotificationEventType } from '../generated/resolvers.ts';

export type { NotificationChannel, NotificationEventType };

export const EVENT_TYPES = [
  'ORDER_PLACED',
  'ORDER_CONFIRMED',
  'ORDER_SHIPPED',
  'ORDER_DELIVERED',
  'ORDER_CANCELLED',
  'PAYMENT_FAILED',
  'REFUND_ISSUED',
  'INVITATION_CREATED',
  'CONNECTION_REQUESTED',
  'CONNECTION_ACCEPTED',
  'LOW_STOCK',
  'EMAIL_VERIFICATION',
  'PASSWORD_RESET',
] as const satisfies readonly NotificationEventType[];

export const CHANNELS = ['EMAIL', 'SMS', 'SLACK', 'IN_APP'] as const satisfies readonly NotificationChannel[];

/** Security mail: always sent by email, whatever the preferences say, and on no other channel. */
export const MANDATORY_EMAIL: ReadonlySet<NotificationEventType> = new Set([
  'EMAIL_VERIFICATION',
  'PASSWORD_RESET',
]);

/** A channel's setting when neither the person nor their organisation stored one. */
export const CHANNEL_DEFAULTS: Record<NotificationChannel, boolean> = {
  EMAIL: true,
  SMS: false,
  // only sent when the organisation set a webhook
  SLACK: true,
  IN_APP: true,
};

export const DEFAULT_LOCALE = 'en';

export interface TemplateText {
  subject: string;
  text: string;
  html: string | null;
}

const en: Record<NotificationEventType, TemplateText> = {
  ORDER_PLACED: {
    subject: 'Order {{order.number}} received',
    text: 'Thank you! We received order {{order.number}} for {{order.total}} at {{retailer.name}}.\nWe will let you know when it is confirmed.',
    html: null,
  },
  ORDER_CONFIRMED: {
    subject: 'Order {{order.number}} confirmed',
    text: 'Order {{order.number}} is confirmed and will be prepared for shipping.',
    html: null,
  },
  ORDER_SHIPPED: {
    subject: 'Order {{order.number}} shipped',
    text: 'Order {{order.number}} is on its way.',
    html: null,
  },
  ORDER_DELIVERED: {
    subject: 'Order {{order.number}} delivered',
    text: 'Order {{order.number}} was delivered. Enjoy!',
    html: null,
  },
  ORDER_CANCELLED: {
    subject: 'Order {{order.number}} cancelled',
    text: 'Order {{order.number}} was cancelled. {{order.reason}}',
    html: null,
  },
  PAYMENT_FAILED: {
    subject: 'Payment for order {{order.number}} failed',
    text: 'The payment for order {{order.number}} could not be made: {{payment.message}}',
    html: null,
  },
  REFUND_ISSUED: {
    subject: 'Refund for order {{order.number}}',
    text: 'We refunded {{refund.amount}} for order {{order.number}}.',
    html: null,
  },
  INVITATION_CREATED: {
    subject: 'You are invited to join {{organization.name}} on Tradegraph',
    text: 'You were invited to join {{organization.name}} as {{invitation.role}}.\nOpen {{links.app}} to accept before {{invitation.expiresAt}}.',
    html: null,
  },
  CONNECTION_REQUESTED: {
    subject: '{{requester.name}} wants to connect',
    text: '{{requester.name}} ({{requester.kind}}) asked to connect with {{partner.name}} ({{connection.scopes}}).',
    html: null,
  },
  CONNECTION_ACCEPTED: {
    subject: '{{partner.name}} accepted your connection',
    text: '{{partner.name}} ({{partner.kind}}) accepted the connection with {{requester.name}} ({{connection.scopes}}).',
    html: null,
  },
  LOW_STOCK: {
    subject: 'Low stock: {{stock.variantId}}',
    text: 'Only {{stock.available}} units of {{stock.variantId}} are available (threshold {{stock.threshold}}).',
    html: null,
  },
  EMAIL_VERIFICATION: {
    subject: 'Confirm your email address',
    text: 'Confirm {{account.email}} by opening {{links.verify}} before {{token.expiresAt}}.\nIf you did not sign up, ignore this email.',
    html: '<!doctype html><html><body><p>Confirm {{account.email}} by opening <a href="{{links.verify}}">this link</a> before {{token.expiresAt}}.</p><p>If you did not sign up, ignore this email.</p></body></html>',
  },
  PASSWORD_RESET: {
    subject: 'Reset your password',
    text: 'Someone asked to reset the password of {{account.email}}. Open {{links.reset}} before {{token.expiresAt}} to choose a new one.\nIf it was not you, ignore this email: your password stays as it is.',
    html: '<!doctype html><html><body><p>Someone asked to reset the password of {{account.email}}. <a href="{{links.reset}}">Choose a new password</a> before {{token.expiresAt}}.</p><p>If it was not you, ignore this email: your password stays as it is.</p></body></html>',
  },
};

const de: Partial<Record<NotificationEventType, TemplateText>> = {
  ORDER_PLACED: {
    subject: 'Bestellung {{order.number}} eingegangen',
    text: 'Danke! Ihre Bestellung {{order.number}} über {{order.total}} bei {{retailer.name}} ist eingegangen.',
    html: null,
  },
  ORDER_SHIPPED: {
    subject: 'Bestellung {{order.number}} versandt',
    text: 'Ihre Bestellung {{order.number}} ist unterwegs.',
    html: null,
  },
  PASSWORD_RESET: {
    subject: 'Passwort zurücksetzen',
    text: 'Öffnen Sie {{links.reset}} vor {{token.expiresAt}}, um ein neues Passwort für {{account.email}} zu wählen.',
    html: null,
  },
};

/** The seeded templates: (event type, locale) → text. Written at start-up where no row exists. */
export const DEFAULT_TEMPLATES: {
  eventType: NotificationEventType;
  locale: string;
  template: TemplateText;
}[] = [
  ...EVENT_TYPES.map((eventType) => ({ eventType, locale: 'en', template: en[eventType] })),
  ...EVENT_TYPES.flatMap((eventType) => {
    const template = de[eventType];
    return template ? [{ eventType, locale: 'de', template }] : [];
  }),
];

/** The locales to try for `locale`, most specific first: fr-ca → fr-ca, fr, en. */
export function localeFallbacks(locale: string | null | undefined): string[] {
  const tag = (locale ?? DEFAULT_LOCALE).toLowerCase();
  const language = tag.split('-')[0]!;
  return [...new Set([tag, language, DEFAULT_LOCALE])];
}
