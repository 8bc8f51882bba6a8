import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

/**
 * What identity tells the router's entity cache (events/cache-invalidations.ts):
 * an organisation's public profile, on every change of it.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.stop());

describe('identity cache invalidations', () => {
  it('an organisation created, renamed, suspended by the platform: that Organization each time', async () => {
    let owner = { accessToken: '', organization: { id: '' } };
    const created = await h.invalidatedBy(async () => {
      owner = await h.signUp('cached@example.test', 'BRAND', 'Cached Co', { verified: false });
    });
    const org = `Organization:${owner.organization.id}`;
    expect(created).toEqual([org]);

    const renamed = await h.invalidatedBy(async () => {
      const res = await h.call(
        `mutation($i: UpdateOrganizationInput!) { updateOrganization(input: $i) { userErrors { code } } }`,
        { i: { name: 'Cached Company' } },
        owner.accessToken,
      );
      expect(res.data?.updateOrganization.userErrors).toEqual([]);
    });
    expect(renamed).toEqual([org]);

    const suspended = await h.invalidatedBy(() =>
      h.deliver(
        'platform.organization.suspended',
        {
          organizationId: owner.organization.id,
          reason: 'test',
          suspendedByUserId: null,
          suspendedAt: new Date().toISOString(),
        },
        { aggregateId: owner.organization.id, orgId: owner.organization.id, source: 'platform' },
      ),
    );
    expect(suspended).toEqual([org]);
  });
});
