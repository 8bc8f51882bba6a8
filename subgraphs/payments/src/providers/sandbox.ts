import type { AuthorizeRequest, AuthorizeResult, PaymentProvider } from './provider.ts';

/**
 * The built-in provider (the default: no STRIPE_SECRET_KEY). It holds no
 * state and moves no money: its answers depend only on the token, and its
 * references on the idempotency key, so a repeated call answers the same.
 */
export const SANDBOX_TOKENS = {
  /** Authorised, captured and refunded normally. */
  visa: 'tok_visa',
  /** Declined by the "issuer": `payments.payment.failed` reason DECLINED. */
  declined: 'tok_chargeDeclined',
  /** Declined for lack of funds: reason INSUFFICIENT_FUNDS. */
  insufficientFunds: 'tok_insufficientFunds',
  /**
   * Authorised, but only after PAYMENTS_SANDBOX_DELAY_MS: longer than the
   * saga's payment deadline, so the order fails TIMEOUT and the late
   * authorisation is voided by the saga's void command.
   */
  timeout: 'tok_timeout',
} as const;

export function sandboxProvider(opts: {
  delayMs: number;
  sleep?: (ms: number) => Promise<void>;
}): PaymentProvider {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  return {
    name: 'sandbox',
    async authorize(req: AuthorizeRequest): Promise<AuthorizeResult> {
      switch (req.token) {
        case SANDBOX_TOKENS.visa:
          return { ok: true, reference: `sbx_auth_${req.idempotencyKey}` };
        case SANDBOX_TOKENS.timeout:
          await sleep(opts.delayMs);
          return { ok: true, reference: `sbx_auth_${req.idempotencyKey}` };
        case SANDBOX_TOKENS.declined:
          return { ok: false, reason: 'DECLINED', message: 'The card was declined.' };
        case SANDBOX_TOKENS.insufficientFunds:
          return { ok: false, reason: 'INSUFFICIENT_FUNDS', message: 'The card has insufficient funds.' };
        default:
          return { ok: false, reason: 'DECLINED', message: 'The payment method was not accepted.' };
      }
    },
    async capture(req) {
      return {
        transfers: req.transfers
          .filter((t) => t.amountMinor > 0n)
          .map((t) => ({
            organizationId: t.organizationId,
            reference: `sbx_tr_${req.idempotencyKey}_${t.organizationId}`,
            amountMinor: t.amountMinor,
          })),
      };
    },
    async void() {},
    async refund(req) {
      return { reference: `sbx_re_${req.idempotencyKey}` };
    },
  };
}
