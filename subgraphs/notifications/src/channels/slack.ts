import type { Channel, OutgoingMessage } from './channel.ts';
import { PermanentDeliveryError } from './channel.ts';

/**
 * Slack incoming webhooks: the organisation's webhook URL is the delivery's
 * address, the text was rendered with Slack escaping. 4xx (but 429) means the
 * webhook is gone or refuses the message: permanent; anything else is retried.
 */
export function slackChannel(opts: { timeoutMs: number }): Channel {
  return {
    name: 'SLACK',
    async send(m: OutgoingMessage) {
      const res = await fetch(m.address, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: m.text }),
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      const body = (await res.text()).slice(0, 200);
      if (res.ok) return;
      const error = `Slack answered ${res.status}: ${body}`;
      if (res.status >= 400 && res.status < 500 && res.status !== 429)
        throw new PermanentDeliveryError(error);
      throw new Error(error);
    },
  };
}
