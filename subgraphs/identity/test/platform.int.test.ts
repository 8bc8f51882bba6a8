import { systemContext } from '@tradegraph/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePlatformAdmin } from '../src/domain/platform.ts';
import { type Harness, startHarness } from './harness.ts';

const ADMIN = { email: 'ops@platform.test', password: 'platform admin secret' };

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    PLATFORM_ADMIN_EMAIL: ADMIN.email,
    PLATFORM_ADMIN_PASSWORD: ADMIN.password,
    PLATFORM_ORG_NAME: 'Operator',
  });
});
afterAll(async () => h?.stop());

describe('platform bootstrap', () => {
  it('creates the operator’s first administrator at start: OWNER of a PLATFORM organisation with platform:admin', async () => {
    const res = await h.call(
      `mutation($i: LoginInput!) { login(input: $i) { accessToken organization { kind name } userErrors { code } } }`,
      { i: ADMIN },
    );
    expect(res.data.login.userErrors).toEqual([]);
    expect(res.data.login.organization).toEqual({ kind: 'PLATFORM', name: 'Operator' });
    const principal = h.principalOf(res.data.login.accessToken);
    expect(principal.kind === 'user' && principal.role).toBe('OWNER');
    expect(principal.kind === 'user' && principal.permissions).toContain('platform:admin');
    const events = await h.sql(
      `select type from outbox where type in ('identity.organization.created', 'identity.membership.created')`,
    );
    expect(events.map((e) => e.type).sort()).toEqual([
      'identity.membership.created',
      'identity.organization.created',
    ]);
  });

  it('is idempotent: a second bootstrap (another instance, a restart) adds nothing', async () => {
    const count = async () =>
      (await h.sql('select (select count(*) from users) u, (select count(*) from organizations) o'))[0];
    const before = await count();
    await ensurePlatformAdmin(systemContext(h.service.kernel, h.service.services), h.service.kernel.logger, {
      ...ADMIN,
      name: 'Someone Else',
      organizationName: 'Another Operator',
    });
    expect(await count()).toEqual(before);
  });
});
