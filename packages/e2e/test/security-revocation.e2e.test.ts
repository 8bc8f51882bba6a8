import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../src/stack.ts';

/**
 * Issue 12, "sessions end when access ends", through the router: a removed or
 * demoted admin, and a revoked API key, are refused (401) at the router within
 * a second, whatever subgraph the write is for. The router learns revocations
 * from identity's feed here (no REDIS_URL); docs/security.md reports the
 * latencies this test prints.
 */

let s: Stack;
type Session = { accessToken: string; organization: { id: string } };
const PASSWORD = 'a long enough password';

async function signUp(email: string, kind: string): Promise<Session> {
  const res = await s.gql(
    `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken organization { id } userErrors { code } } }`,
    { i: { email, password: PASSWORD, name: email, organization: { name: email, kind } } },
  );
  expect(res.data?.signUp.userErrors).toEqual([]);
  return res.data?.signUp;
}

/** An ADMIN of the owner's organisation, signed in; with their membership id. */
async function admin(owner: Session, email: string) {
  const inv = await s.gql(
    `mutation($i: InviteMemberInput!) { inviteMember(input: $i) { invitation { token } userErrors { code } } }`,
    { i: { email, role: 'ADMIN' } },
    owner.accessToken,
  );
  const accepted = await s.gql(
    `mutation($i: AcceptInvitationInput!) { acceptInvitation(input: $i) { accessToken user { id } userErrors { code } } }`,
    { i: { token: inv.data?.inviteMember.invitation.token, password: PASSWORD, name: 'Admin' } },
  );
  const members = await s.gql(
    `query($id: ID!) { organization(id: $id) { members { nodes { id user { id } } } } }`,
    { id: owner.organization.id },
    owner.accessToken,
  );
  const userId = accepted.data?.acceptInvitation.user.id;
  const membershipId = members.data?.organization.members.nodes.find(
    (m: { user: { id: string } }) => m.user.id === userId,
  ).id as string;
  return { token: accepted.data?.acceptInvitation.accessToken as string, membershipId };
}

let n = 0;
const WRITES = {
  identity: () => ({
    query: `mutation { updateOrganization(input: { description: "still here" }) { organization { id } userErrors { code } } }`,
    variables: {},
  }),
  catalog: () => ({
    query: `mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id } userErrors { code } } }`,
    variables: {
      i: {
        name: `Tee ${++n}`,
        variants: [{ sku: `SEC-${n}`, msrp: { amount: '20.00', currencyCode: 'EUR' } }],
      },
    },
  }),
  supplier: () => ({
    query: `mutation($i: CreateWarehouseInput!) { createWarehouse(input: $i) { warehouse { id } userErrors { code } } }`,
    variables: {
      i: {
        name: `DC ${++n}`,
        address: { name: 'S', line1: 'Kade 2', city: 'Rotterdam', postalCode: '3011AB', country: 'NL' },
      },
    },
  }),
  retailer: () => ({
    query: `mutation($i: CreateStorefrontInput!) { createStorefront(input: $i) { storefront { id } userErrors { code } } }`,
    variables: { i: { name: `Store ${++n}`, slug: `sec-store-${n}`, currencyCode: 'EUR' } },
  }),
};
type Path = keyof typeof WRITES;

async function write(path: Path, token: string) {
  const { query, variables } = WRITES[path]();
  return s.gql(query, variables, token);
}

/** Sends the write until the router refuses it; the time from `since` to that refusal (ms). */
async function refusedWithin(path: Path, token: string, since: number): Promise<number> {
  for (;;) {
    const res = await write(path, token);
    if (res.status === 401) return performance.now() - since;
    if (performance.now() - since > 3_000)
      throw new Error(`${path} write still served: ${JSON.stringify(res)}`);
  }
}

const latencies: Record<string, number> = {};

// Without Redis the router long-polls identity's feed; with REDIS_URL it subscribes (the feed is a backstop).
describe.each([
  ['feed', {}],
  ['redis', { REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }],
])('revocations through the %s', (transport, env: Record<string, string>) => {
  beforeAll(async () => {
    s = await startStack(env);
  });
  afterAll(async () => {
    console.info(`[security] ${transport}: revocation → first refused request (ms):`, latencies);
    for (const k of Object.keys(latencies)) delete latencies[k];
    await s?.stop();
  });

  describe('a demoted or removed admin is refused at the router within a second', () => {
    it('brand: demoted — identity and catalog writes', async () => {
      const owner = await signUp('owner@sec-brand.test', 'BRAND');
      const a = await admin(owner, 'admin@sec-brand.test');
      for (const path of ['identity', 'catalog'] as const) {
        const ok = await write(path, a.token);
        expect(ok.status, JSON.stringify(ok)).toBe(200);
        expect(ok.errors).toBeUndefined();
      }
      const res = await s.gql(
        `mutation($i: ChangeMemberRoleInput!) { changeMemberRole(input: $i) { membership { role } userErrors { code } } }`,
        { i: { membershipId: a.membershipId, role: 'VIEWER' } },
        owner.accessToken,
      );
      expect(res.data?.changeMemberRole.membership.role).toBe('VIEWER');
      const since = performance.now();
      latencies.demoted = await refusedWithin('catalog', a.token, since);
      expect(latencies.demoted).toBeLessThan(1_000);
      expect((await write('identity', a.token)).status).toBe(401);
      // The owner's own token is untouched.
      expect((await write('catalog', owner.accessToken)).errors).toBeUndefined();
    });

    for (const [kind, path] of [
      ['SUPPLIER', 'supplier'],
      ['RETAILER', 'retailer'],
    ] as const) {
      it(`${path}: removed — ${path} writes`, async () => {
        const owner = await signUp(`owner@sec-${path}.test`, kind);
        const a = await admin(owner, `admin@sec-${path}.test`);
        const ok = await write(path, a.token);
        expect(ok.errors, JSON.stringify(ok)).toBeUndefined();
        const res = await s.gql(
          `mutation($i: RemoveMemberInput!) { removeMember(input: $i) { membership { id } userErrors { code } } }`,
          { i: { membershipId: a.membershipId } },
          owner.accessToken,
        );
        expect(res.data?.removeMember.userErrors).toEqual([]);
        latencies[`removed (${path})`] = await refusedWithin(path, a.token, performance.now());
        expect(latencies[`removed (${path})`]).toBeLessThan(1_000);
        expect((await write('identity', a.token)).status).toBe(401);
      });
    }

    it('a logged-out session is refused too', async () => {
      const res = await s.gql(`mutation($i: LoginInput!) { login(input: $i) { accessToken refreshToken } }`, {
        i: { email: 'owner@sec-brand.test', password: PASSWORD },
      });
      const { accessToken, refreshToken } = res.data!.login;
      expect((await write('identity', accessToken)).errors).toBeUndefined();
      await s.gql(`mutation($t: String!) { logout(input: { refreshToken: $t }) { success } }`, {
        t: refreshToken,
      });
      latencies.logout = await refusedWithin('identity', accessToken, performance.now());
      expect(latencies.logout).toBeLessThan(1_000);
    });
  });

  describe('a revoked API key is refused within a second', () => {
    it('even while the router has its introspection cached', async () => {
      const owner = await signUp('owner@sec-keys.test', 'BRAND');
      const created = await s.gql(
        `mutation { createApiKey(input: { name: "app", scopes: [CATALOG_WRITE] }) { apiKey { id } secret userErrors { code } } }`,
        {},
        owner.accessToken,
      );
      const { apiKey, secret } = created.data!.createApiKey;
      expect((await write('catalog', secret)).errors).toBeUndefined(); // cached now
      await s.gql(
        `mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { apiKey { revokedAt } } }`,
        { i: { id: apiKey.id } },
        owner.accessToken,
      );
      latencies['api key revoked'] = await refusedWithin('catalog', secret, performance.now());
      expect(latencies['api key revoked']).toBeLessThan(1_000);
    });
  });
});
