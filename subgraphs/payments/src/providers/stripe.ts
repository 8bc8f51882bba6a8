import Stripe from 'stripe';
import type { AuthorizeResult, PaymentProvider } from './provider.ts';

export interface StripeOptions {
  secretKey: string;
  /** Tests point the SDK at a local fake server (never the network). */
  host?: string | undefined;
  port?: number | undefined;
  protocol?: 'http' | 'https' | undefined;
  maxNetworkRetries?: number;
}

/** The SDK client with the configured endpoint. */
export function stripeClient(opts: StripeOptions): Stripe {
  return new Stripe(opts.secretKey, {
    maxNetworkRetries: opts.maxNetworkRetries ?? 2,
    telemetry: false,
    ...(opts.host ? { host: opts.host } : {}),
    ...(opts.port ? { port: opts.port } : {}),
    ...(opts.protocol ? { protocol: opts.protocol } : {}),
  });
}

/**
 * Stripe Connect with separate charges and transfers: the platform's
 * PaymentIntent (manual capture) authorises the shopper's card, the capture
 * takes the money onto the platform's balance, then one transfer per
 * organisation with a connected account pays its share, all in the order's
 * transfer group; a refund refunds the PaymentIntent and reverses each
 * transfer in proportion. Every call sends an idempotency key derived from
 * the saga's command.
 */
export function stripeProvider(opts: StripeOptions): PaymentProvider {
  const stripe = stripeClient(opts);
  return {
    name: 'stripe',
    async authorize(req): Promise<AuthorizeResult> {
      try {
        // a legacy card token (tok_…) becomes a PaymentMethod first; pm_… ids are used as they are
        const paymentMethod = req.token.startsWith('tok_')
          ? (
              await stripe.paymentMethods.create(
                { type: 'card', card: { token: req.token } },
                { idempotencyKey: `${req.idempotencyKey}:payment-method` },
              )
            ).id
          : req.token;
        const intent = await stripe.paymentIntents.create(
          {
            amount: Number(req.amountMinor),
            currency: req.currencyCode.toLowerCase(),
            capture_method: 'manual',
            confirm: true,
            payment_method: paymentMethod,
            automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
            transfer_group: req.transferGroup,
            metadata: { orderId: req.orderId, paymentId: req.paymentId },
          },
          { idempotencyKey: `${req.idempotencyKey}:authorize` },
        );
        if (intent.status === 'requires_capture') return { ok: true, reference: intent.id };
        return {
          ok: false,
          reason: 'PROVIDER_ERROR',
          message: `The payment needs a step this checkout does not support (${intent.status}).`,
        };
      } catch (err) {
        if (err instanceof Stripe.errors.StripeCardError) {
          const insufficient = err.decline_code === 'insufficient_funds' || err.code === 'insufficient_funds';
          return {
            ok: false,
            reason: insufficient ? 'INSUFFICIENT_FUNDS' : 'DECLINED',
            message: err.message,
          };
        }
        // network, rate limit, API or authentication errors: the consumer retries the command
        throw err;
      }
    },

    async capture(req) {
      const intent = await stripe.paymentIntents.capture(
        req.reference,
        { amount_to_capture: Number(req.amountMinor) },
        { idempotencyKey: `${req.idempotencyKey}:capture` },
      );
      const charge =
        typeof intent.latest_charge === 'string' ? intent.latest_charge : intent.latest_charge?.id;
      const transfers = [];
      for (const t of req.transfers) {
        if (!t.destination || t.amountMinor <= 0n) continue;
        const transfer = await stripe.transfers.create(
          {
            amount: Number(t.amountMinor),
            currency: req.currencyCode.toLowerCase(),
            destination: t.destination,
            transfer_group: req.transferGroup,
            ...(charge ? { source_transaction: charge } : {}),
            metadata: { organizationId: t.organizationId },
          },
          { idempotencyKey: `${req.idempotencyKey}:transfer:${t.organizationId}` },
        );
        transfers.push({
          organizationId: t.organizationId,
          reference: transfer.id,
          amountMinor: t.amountMinor,
        });
      }
      return { transfers };
    },

    async void(req) {
      await stripe.paymentIntents.cancel(req.reference, {}, { idempotencyKey: `${req.idempotencyKey}:void` });
    },

    async refund(req) {
      const refund = await stripe.refunds.create(
        { payment_intent: req.reference, amount: Number(req.amountMinor) },
        { idempotencyKey: `${req.idempotencyKey}:refund` },
      );
      for (const r of req.reversals) {
        if (r.amountMinor <= 0n) continue;
        await stripe.transfers.createReversal(
          r.transferReference,
          { amount: Number(r.amountMinor) },
          { idempotencyKey: `${req.idempotencyKey}:reversal:${r.organizationId}` },
        );
      }
      return { reference: refund.id };
    },
  };
}
