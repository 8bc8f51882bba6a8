import { type EntityManager, forkEm, type Orm } from '@tradegraph/shared';
import type { Channel, OutgoingMessage } from './channel.ts';

/** An SMS gateway. A real one (Twilio, MessageBird, …) implements this and is chosen in channels/index.ts. */
export interface SmsProvider {
  readonly name: string;
  /** Sends `body` to the E.164 number; `deliveryId` is the provider's idempotency key where it has one. */
  sendSms(to: string, body: string, deliveryId: string): Promise<void>;
}

/**
 * The local provider: "sends" by writing the message to the `sms_messages`
 * table (once per delivery) and the log, so demos and tests can read it.
 */
export function localSmsProvider(orm: Orm, log: (msg: string) => void): SmsProvider {
  return {
    name: 'local',
    async sendSms(to, body, deliveryId) {
      const em: EntityManager = forkEm(orm);
      await em.execute(
        'insert ignore into sms_messages (delivery_id, phone_number, body, created_at) values (?, ?, ?, ?)',
        [deliveryId, to, body, new Date()],
      );
      log(`SMS to ${to}: ${body}`);
    },
  };
}

export function smsChannel(provider: SmsProvider): Channel {
  return {
    name: 'SMS',
    send: (m: OutgoingMessage) => provider.sendSms(m.address, m.text, m.id),
  };
}
