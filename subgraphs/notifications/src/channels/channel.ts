import type { NotificationChannel } from '../domain/catalogue.ts';
import type { DeliveryRecord } from '../store/deliveries.ts';

/** What a channel is given to send: the queued delivery, already rendered for it. */
export type OutgoingMessage = DeliveryRecord;

/** One way of reaching people. `send` resolves once the message is handed over; it throws otherwise. */
export interface Channel {
  readonly name: NotificationChannel;
  send(message: OutgoingMessage): Promise<void>;
}

/** A failure retrying cannot fix (a refused address, a webhook that no longer exists): FAILED at once. */
export class PermanentDeliveryError extends Error {
  override name = 'PermanentDeliveryError';
}

export type ChannelSet = Record<NotificationChannel, Channel>;
