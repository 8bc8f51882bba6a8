import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Channel, OutgoingMessage } from './channel.ts';
import { PermanentDeliveryError } from './channel.ts';

/**
 * Email over SMTP with nodemailer (SMTP_URL; the mail catcher of `npm start`
 * by default). The Message-ID is derived from the delivery's idempotency key,
 * so in the rare case a message is sent again (the process died between the
 * server's acceptance and recording it), mail clients see one message.
 */
export function emailChannel(opts: {
  smtpUrl: string;
  from: string;
  timeoutMs: number;
}): Channel & { close(): void } {
  const transport = nodemailer.createTransport({
    url: opts.smtpUrl,
    connectionTimeout: opts.timeoutMs,
    greetingTimeout: opts.timeoutMs,
    socketTimeout: opts.timeoutMs,
  });
  return {
    name: 'EMAIL',
    async send(m: OutgoingMessage) {
      const hash = createHash('sha256').update(m.idempotencyKey).digest('hex').slice(0, 32);
      try {
        await transport.sendMail({
          from: opts.from,
          to: m.address,
          subject: m.subject,
          text: m.text,
          ...(m.html ? { html: m.html } : {}),
          messageId: `<${hash}@tradegraph.notifications>`,
          headers: { 'X-Tradegraph-Delivery': m.id, 'X-Tradegraph-Event-Type': m.eventType },
        });
      } catch (err) {
        // 5xx: the server refused this message for good (unknown mailbox, policy)
        const code = (err as { responseCode?: number }).responseCode;
        if (typeof code === 'number' && code >= 500) {
          throw new PermanentDeliveryError(`SMTP ${code}: ${(err as Error).message}`);
        }
        throw err;
      }
    },
    close: () => transport.close(),
  };
}
