import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createErrorFormatter } from '../src/errors.ts';
import { formatResult } from '../src/subscriptions/transports.ts';

describe('subscription events go through the router error formatter', () => {
  const leaked = new GraphQLError("ER_DUP_ENTRY: Duplicate entry 'x' for key 'orders_pk' in tg_orders", {
    path: ['orderStatusChanged', 'order'],
    extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'orders' },
  });
  const expected = new GraphQLError('Your session ended', { extensions: { code: 'UNAUTHENTICATED' } });
  const event = { data: { orderStatusChanged: null }, errors: [leaked, expected] };

  it('masks unexpected errors in production and keeps expected codes', () => {
    const out = formatResult(event, createErrorFormatter({ production: true }));
    expect(out.data).toEqual({ orderStatusChanged: null });
    expect(out.errors).toEqual([
      {
        message: 'Internal server error',
        path: ['orderStatusChanged', 'order'],
        extensions: { code: 'INTERNAL' },
      },
      { message: 'Your session ended', extensions: { code: 'UNAUTHENTICATED' } },
    ]);
    expect(JSON.stringify(out)).not.toMatch(/ER_DUP_ENTRY|tg_orders/);
  });

  it('leaves events without errors untouched', () => {
    const clean: { data: unknown; errors?: GraphQLError[] } = {
      data: { orderStatusChanged: { status: 'CONFIRMED' } },
    };
    expect(formatResult(clean, createErrorFormatter({ production: true }))).toBe(clean);
  });
});
