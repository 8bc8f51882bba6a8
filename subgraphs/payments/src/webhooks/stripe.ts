import type { Kernel, Route } from '@tradegraph/shared';
import { forkEm } from '@tradegraph/shared';
import Stripe from 'stripe';
import type { PaymentsConfig } from '../config.ts';
import { recordWebhookEvent } from '../store/payments.ts';

/**
 * POST /webhooks/stripe: Stripe calls it directly (not through the router),
 * so it is not an internal route; the Stripe signature is its
 * authentication. The raw body is verified with STRIPE_WEBHOOK_SECRET
 * (`stripe.webhooks.constructEvent`: HMAC over the timestamp and body,
 * 5-minute tolerance); anything unsigned, mis-signed or stale is refused
 * with 400 and nothing is recorded. A verified event is recorded once by its
 * id (Stripe retries deliveries). The saga's state does not depend on
 * webhooks (every provider call answers synchronously); they are kept for
 * reconciliation.
 */
export function stripeWebhookRoute(kernel: Kernel, config: PaymentsConfig): Route {
  return {
    method: 'POST',
    path: '/webhooks/stripe',
    handle: async (req, res, { body }) => {
      const reply = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      const secret = config.STRIPE_WEBHOOK_SECRET;
      if (!secret) return reply(503, { error: 'STRIPE_WEBHOOK_SECRET is not configured' });
      const signature = req.headers['stripe-signature'];
      if (typeof signature !== 'string') return reply(400, { error: 'missing Stripe-Signature header' });
      let event: Stripe.Event;
      try {
        event = Stripe.webhooks.constructEvent(body, signature, secret);
      } catch (err) {
        if (err instanceof Stripe.errors.StripeSignatureVerificationError) {
          return reply(400, { error: 'invalid signature' });
        }
        throw err;
      }
      const fresh = await recordWebhookEvent(forkEm(kernel.orm), event.id, event.type, new Date());
      kernel.logger.info(
        { stripeEventId: event.id, type: event.type, duplicate: !fresh },
        'stripe webhook received',
      );
      return reply(200, { received: true });
    },
  };
}
