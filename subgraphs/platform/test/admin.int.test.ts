import { PERMISSIONS, type Principal } from '@tradegraph/shared';
import { ANONYMOUS, apiKey, customer, errorCode, member, orgId } from '@tradegraph/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ASSIGN_PLAN,
  AUDIT,
  CHANGE_STATUS,
  CREATE_PLAN,
  GENERATE_INVOICES,
  INVOICES,
  organizationCreated,
  type PlatformHarness,
  REACTIVATE,
  SEARCH,
  SUBSCRIPTION_OF,
  SUSPEND,
  staff,
  startPlatform,
} from './harness.ts';

let h: PlatformHarness;
beforeAll(async () => {
  h = await startPlatform();
});
afterAll(() => h?.stop());

const WITHOUT_ADMIN = PERMISSIONS.filter((p) => p !== 'platform:admin');

describe('administration is for platform staff only', () => {
  // every caller who is not staff: anonymous, a shopper, tenant owners and keys, a platform member
  // without platform:admin, and a tenant principal that somehow carries platform:admin
  const outsiders: [string, Principal, string][] = [
    ['anonymous', ANONYMOUS, 'UNAUTHENTICATED'],
    ['a shopper', customer(), 'FORBIDDEN'],
    ['a brand owner', member(orgId(), 'BRAND'), 'FORBIDDEN'],
    ['a retailer owner', member(orgId(), 'RETAILER'), 'FORBIDDEN'],
    ['a supplier API key', apiKey(orgId(), 'SUPPLIER', WITHOUT_ADMIN), 'FORBIDDEN'],
    [
      'a platform member without platform:admin',
      member(orgId(), 'PLATFORM', WITHOUT_ADMIN, 'MANAGER'),
      'FORBIDDEN',
    ],
    ['a brand principal carrying platform:admin', member(orgId(), 'BRAND', [...PERMISSIONS]), 'FORBIDDEN'],
  ];

  it.each(outsiders)('refuses %s every admin operation, and nothing is written', async (_, as, code) => {
    const target = await organizationCreated(h, 'RETAILER');
    const calls: [string, Record<string, unknown>][] = [
      [AUDIT, { filter: { organizationId: target } }],
      [SEARCH, {}],
      [SUSPEND, { input: { organizationId: target, reason: 'fraud' } }],
      [REACTIVATE, { input: { organizationId: target } }],
      [
        CREATE_PLAN,
        {
          input: {
            code: `x-${Date.now()}`,
            name: 'X',
            monthlyFee: { amount: '1.00', currencyCode: 'EUR' },
            transactionFeeBps: 1,
          },
        },
      ],
      [ASSIGN_PLAN, { input: { organizationId: target, planId: 'pln_standard' } }],
      [CHANGE_STATUS, { input: { organizationId: target, status: 'CANCELLED' } }],
      [GENERATE_INVOICES, { input: { month: '2020-01' } }],
      [SUBSCRIPTION_OF, { organizationId: target }],
      [INVOICES, { filter: { organizationId: target } }],
    ];
    for (const [query, variables] of calls) {
      const res = await h.call(query, variables, as);
      expect({ query: query.slice(0, 40), code: errorCode(res) }).toEqual({
        query: query.slice(0, 40),
        code,
      });
      expect(res.data === null || Object.values(res.data ?? {}).every((v) => v === null)).toBe(true);
    }
    expect(await h.outbox('platform.organization.suspended', target)).toEqual([]);
    const [sub] = await h.sql('select plan_id, status from subscriptions where organization_id = ?', [
      target,
    ]);
    expect(sub).toEqual({ plan_id: 'pln_trial', status: 'TRIALING' });
    expect(await h.sql("select 1 from plans where code like 'x-%'")).toEqual([]);
    expect(await h.sql('select 1 from invoices')).toEqual([]);
  });
});

describe('plans and subscriptions', () => {
  it('starts every new tenant on the default trial plan and announces it; the platform organisation gets none', async () => {
    const retailer = await organizationCreated(h, 'RETAILER');
    const platformOrg = await organizationCreated(h, 'PLATFORM');
    const res = await h.call(SUBSCRIPTION_OF, {}, member(retailer, 'RETAILER'));
    expect(res.errors).toBeUndefined();
    expect(res.data.organizationSubscription).toMatchObject({
      organizationId: retailer,
      status: 'TRIALING',
      cancelledAt: null,
      plan: {
        id: 'pln_trial',
        code: 'trial',
        transactionFeeBps: 300,
        monthlyFee: { amount: '0.00', currencyCode: 'EUR' },
      },
    });
    const trialDays =
      (Date.parse(res.data.organizationSubscription.trialEndsAt) -
        Date.parse(res.data.organizationSubscription.startedAt)) /
      86_400_000;
    expect(trialDays).toBe(30);
    const [event] = await h.outbox('platform.subscription.changed', retailer);
    expect(event?.orgId).toBe(retailer);
    expect(event?.payload).toMatchObject({
      organizationId: retailer,
      planCode: 'trial',
      status: 'TRIALING',
      transactionFeeBps: 300,
    });
    expect(await h.outbox('platform.subscription.changed', platformOrg)).toEqual([]);
    // a redelivered creation changes nothing
    await organizationCreated(h, 'RETAILER', 'again', retailer);
    expect(await h.outbox('platform.subscription.changed', retailer)).toHaveLength(1);
  });

  it("lets an organisation read only its own subscription; staff read anyone's", async () => {
    const a = await organizationCreated(h, 'BRAND');
    const b = await organizationCreated(h, 'BRAND');
    expect(errorCode(await h.call(SUBSCRIPTION_OF, { organizationId: b }, member(a, 'BRAND')))).toBe(
      'FORBIDDEN',
    );
    expect(errorCode(await h.call(SUBSCRIPTION_OF, {}, member(a, 'BRAND', ['org:read'])))).toBe('FORBIDDEN');
    const res = await h.call(SUBSCRIPTION_OF, { organizationId: b }, staff());
    expect(res.data.organizationSubscription.organizationId).toBe(b);
  });

  it('creates plans (validated), assigns them and moves subscriptions only along the allowed transitions', async () => {
    const admin = staff();
    const code = `pro-${Date.now().toString(36)}`;
    const input = {
      code,
      name: ' Pro ',
      monthlyFee: { amount: '99.50', currencyCode: 'EUR' },
      transactionFeeBps: 200,
      limits: { maxStorefronts: 5 },
      trialDays: 14,
    };
    const bad = await h.call(CREATE_PLAN, { input: { ...input, transactionFeeBps: 10_001 } }, admin);
    expect(bad.data.createPlan).toEqual({
      plan: null,
      userErrors: [
        {
          field: ['transactionFeeBps'],
          message: 'The transaction fee is 0 to 10000 basis points',
          code: 'INVALID',
        },
      ],
    });
    const money = await h.call(
      CREATE_PLAN,
      { input: { ...input, monthlyFee: { amount: '1.001', currencyCode: 'EUR' } } },
      admin,
    );
    expect(money.data.createPlan.userErrors[0].code).toBe('INVALID_MONEY');
    const created = await h.call(CREATE_PLAN, { input }, admin);
    expect(created.data.createPlan).toMatchObject({
      userErrors: [],
      plan: {
        code,
        name: 'Pro',
        transactionFeeBps: 200,
        trialDays: 14,
        isDefault: false,
        limits: { maxStorefronts: 5, maxApiCallsPerDay: null },
      },
    });
    const taken = await h.call(CREATE_PLAN, { input }, admin);
    expect(taken.data.createPlan.userErrors[0].code).toBe('CODE_TAKEN');

    const org = await organizationCreated(h, 'RETAILER');
    const planId = created.data.createPlan.plan.id;
    const assigned = await h.call(ASSIGN_PLAN, { input: { organizationId: org, planId } }, admin);
    expect(assigned.data.assignPlan).toMatchObject({
      userErrors: [],
      subscription: { status: 'ACTIVE', trialEndsAt: null, plan: { code } },
    });
    const events = await h.outbox('platform.subscription.changed', org);
    expect(events.at(-1)?.payload).toMatchObject({
      planId,
      status: 'ACTIVE',
      transactionFeeBps: 200,
      monthlyFeeMinor: '9950',
    });

    const move = (status: string) => h.call(CHANGE_STATUS, { input: { organizationId: org, status } }, admin);
    expect((await move('TRIALING')).data.changeSubscriptionStatus.userErrors[0].code).toBe(
      'INVALID_TRANSITION',
    );
    expect((await move('PAST_DUE')).data.changeSubscriptionStatus.subscription.status).toBe('PAST_DUE');
    expect((await move('ACTIVE')).data.changeSubscriptionStatus.subscription.status).toBe('ACTIVE');
    const cancelled = (await move('CANCELLED')).data.changeSubscriptionStatus.subscription;
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.cancelledAt).not.toBeNull();
    expect((await move('ACTIVE')).data.changeSubscriptionStatus.userErrors[0].code).toBe(
      'INVALID_TRANSITION',
    );
    expect((await h.outbox('platform.subscription.changed', org)).map((e) => e.payload.status)).toEqual([
      'TRIALING',
      'ACTIVE',
      'PAST_DUE',
      'ACTIVE',
      'CANCELLED',
    ]);

    const unknown = await h.call(ASSIGN_PLAN, { input: { organizationId: orgId(), planId } }, admin);
    expect(unknown.data.assignPlan.userErrors[0].code).toBe('NOT_FOUND');
  });
});

describe('suspending and reactivating organisations', () => {
  it('suspends once with a reason, announces it, and reactivates', async () => {
    const admin = staff();
    const org = await organizationCreated(h, 'SUPPLIER', `Shady supplier ${Date.now()}`);
    const blank = await h.call(SUSPEND, { input: { organizationId: org, reason: '  ' } }, admin);
    expect(blank.data.suspendOrganization.userErrors[0]).toMatchObject({
      code: 'REQUIRED',
      field: ['reason'],
    });

    const res = await h.call(SUSPEND, { input: { organizationId: org, reason: 'Chargebacks' } }, admin);
    expect(res.data.suspendOrganization).toMatchObject({
      userErrors: [],
      organization: { id: org, status: 'SUSPENDED', suspendedReason: 'Chargebacks', kind: 'SUPPLIER' },
    });
    const [event] = await h.outbox('platform.organization.suspended', org);
    expect(event?.orgId).toBe(org);
    expect(event?.payload).toMatchObject({ organizationId: org, reason: 'Chargebacks' });
    expect(event?.payload.suspendedByUserId).toBe(admin.kind === 'user' ? admin.userId : null);

    const again = await h.call(SUSPEND, { input: { organizationId: org, reason: 'x' } }, admin);
    expect(again.data.suspendOrganization.userErrors[0].code).toBe('ALREADY_SUSPENDED');

    const found = await h.call(SEARCH, { filter: { nameContains: 'Shady', status: 'SUSPENDED' } }, admin);
    expect(found.data.searchOrganizations.nodes.map((o: { id: string }) => o.id)).toContain(org);

    const back = await h.call(REACTIVATE, { input: { organizationId: org } }, admin);
    expect(back.data.reactivateOrganization.organization).toMatchObject({
      status: 'ACTIVE',
      suspendedReason: null,
    });
    expect(await h.outbox('platform.organization.reactivated', org)).toHaveLength(1);
    const twice = await h.call(REACTIVATE, { input: { organizationId: org } }, admin);
    expect(twice.data.reactivateOrganization.userErrors[0].code).toBe('NOT_SUSPENDED');
  });

  it('refuses to suspend a platform organisation or one it does not know', async () => {
    const admin = staff();
    const platformOrg = await organizationCreated(h, 'PLATFORM');
    const own = await h.call(SUSPEND, { input: { organizationId: platformOrg, reason: 'x' } }, admin);
    expect(own.data.suspendOrganization.userErrors[0].code).toBe('FORBIDDEN');
    const unknown = await h.call(SUSPEND, { input: { organizationId: orgId(), reason: 'x' } }, admin);
    expect(unknown.data.suspendOrganization.userErrors[0].code).toBe('NOT_FOUND');
  });

  it('pages organisations by name with a stable cursor', async () => {
    const admin = staff();
    const prefix = `Pager ${Date.now()}`;
    for (const n of ['c', 'a', 'b']) await organizationCreated(h, 'BRAND', `${prefix} ${n}`);
    const first = await h.call(SEARCH, { filter: { nameContains: prefix }, first: 2 }, admin);
    expect(first.data.searchOrganizations.totalCount).toBe(3);
    expect(first.data.searchOrganizations.nodes.map((o: { name: string }) => o.name)).toEqual([
      `${prefix} a`,
      `${prefix} b`,
    ]);
    const next = await h.call(
      SEARCH,
      {
        filter: { nameContains: prefix },
        first: 2,
        after: first.data.searchOrganizations.pageInfo.endCursor,
      },
      admin,
    );
    expect(next.data.searchOrganizations.nodes.map((o: { name: string }) => o.name)).toEqual([`${prefix} c`]);
    expect(next.data.searchOrganizations.pageInfo.hasNextPage).toBe(false);
  });
});
