import { API_KEY_INTROSPECTION_PATH } from '@tradegraph/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

/**
 * Two tenants (brand A, brand B) plus partners. Every path that takes an id is
 * tried with the other tenant's ids: the answer is NOT_FOUND / FORBIDDEN /
 * null, never the other tenant's data, and nothing changes.
 */

let h: Harness;
let a: Awaited<ReturnType<Harness['signUp']>>;
let b: Awaited<ReturnType<Harness['signUp']>>;
let retailer: Awaited<ReturnType<Harness['signUp']>>;
let supplier: Awaited<ReturnType<Harness['signUp']>>;

const INVITE = `mutation($i: InviteMemberInput!) { inviteMember(input: $i) { invitation { id token role status } userErrors { code field } } }`;
const ACCEPT = `mutation($i: AcceptInvitationInput!) { acceptInvitation(input: $i) { accessToken organization { id } user { id } userErrors { code field } } }`;
const REQUEST = `mutation($i: RequestConnectionInput!) { requestConnection(input: $i) { connection { id status scopes requester { id } partner { id } } userErrors { code field message } } }`;
const RESPOND = `mutation($i: RespondToConnectionInput!) { respondToConnection(input: $i) { connection { id status } userErrors { code } } }`;
const REVOKE = `mutation($i: RevokeConnectionInput!) { revokeConnection(input: $i) { connection { id status } userErrors { code } } }`;

beforeAll(async () => {
  h = await startHarness();
  a = await h.signUp('owner@a.test', 'BRAND', 'Brand A');
  b = await h.signUp('owner@b.test', 'BRAND', 'Brand B');
  retailer = await h.signUp('owner@r.test', 'RETAILER', 'Retailer R');
  supplier = await h.signUp('owner@s.test', 'SUPPLIER', 'Supplier S');
});
afterAll(async () => h?.stop());

describe('invitations and members', () => {
  let staffToken: string;

  it('invites a new member who accepts and signs in with the invited role', async () => {
    const inv = await h.call(INVITE, { i: { email: 'staff@a.test', role: 'STAFF' } }, a.accessToken);
    const { token, id } = inv.data!.inviteMember.invitation;
    expect(token).toMatch(/^inv_/);
    const preview = await h.call(
      `query($t: String!) { invitation(token: $t) { email role accountExists organization { name } } }`,
      { t: token },
    );
    expect(preview.data?.invitation).toEqual({
      email: 'staff@a.test',
      role: 'STAFF',
      accountExists: false,
      organization: { name: 'Brand A' },
    });
    const accepted = await h.call(ACCEPT, { i: { token, password: 'staff password 1', name: 'Stan' } });
    expect(accepted.data?.acceptInvitation.organization.id).toBe(a.organization.id);
    staffToken = accepted.data?.acceptInvitation.accessToken;
    expect(h.principalOf(staffToken)).toMatchObject({ role: 'STAFF', organizationId: a.organization.id });
    const again = await h.call(ACCEPT, { i: { token, password: 'staff password 1', name: 'Stan' } });
    expect(again.data?.acceptInvitation.userErrors[0].code).toBe('INVALID_INVITATION');
    const list = await h.call(`{ invitations { nodes { id status token } } }`, {}, a.accessToken);
    expect(list.data?.invitations.nodes).toEqual([{ id, status: 'ACCEPTED', token: null }]);
  });

  it('adds an existing user to a second organisation only with their password', async () => {
    const inv = await h.call(INVITE, { i: { email: 'owner@r.test', role: 'VIEWER' } }, a.accessToken);
    const token = inv.data?.inviteMember.invitation.token;
    const wrong = await h.call(ACCEPT, { i: { token, password: 'not the password' } });
    expect(wrong.data?.acceptInvitation.userErrors[0].code).toBe('INVALID_CREDENTIALS');
    const ok = await h.call(ACCEPT, { i: { token, password: 'correct horse battery' } });
    expect(ok.data?.acceptInvitation.organization.id).toBe(a.organization.id);
    const me = await h.call(
      `{ me { memberships { role organization { name } } } }`,
      {},
      retailer.accessToken,
    );
    expect(me.data?.me.memberships.map((m: { role: string }) => m.role).sort()).toEqual(['OWNER', 'VIEWER']);
  });

  it('enforces role permissions: STAFF cannot invite; nobody grants above their own role', async () => {
    const denied = await h.call(INVITE, { i: { email: 'x@a.test', role: 'VIEWER' } }, staffToken);
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const bad = await h.call(INVITE, { i: { email: 'x@a.test', role: 'CEO' } }, a.accessToken);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('keeps the last OWNER', async () => {
    const members = await h.call(
      `query($id: ID!) { organization(id: $id) { members { nodes { id role user { email } } } } }`,
      { id: a.organization.id },
      a.accessToken,
    );
    const owner = members.data?.organization.members.nodes.find((m: { role: string }) => m.role === 'OWNER');
    const res = await h.call(
      `mutation($i: ChangeMemberRoleInput!) { changeMemberRole(input: $i) { membership { role } userErrors { code } } }`,
      { i: { membershipId: owner.id, role: 'ADMIN' } },
      a.accessToken,
    );
    expect(res.data?.changeMemberRole.userErrors[0].code).toBe('LAST_OWNER');
  });

  it('tenant isolation: brand B cannot read or change brand A members or invitations', async () => {
    const members = await h.call(
      `query($id: ID!) { organization(id: $id) { name members { totalCount } } }`,
      { id: a.organization.id },
      b.accessToken,
    );
    expect(members.data?.organization).toBeNull();
    expect(members.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const aMembers = await h.sql('select id from memberships where organization_id = ?', [a.organization.id]);
    const pendingA = (await h.call(INVITE, { i: { email: 'later@a.test', role: 'VIEWER' } }, a.accessToken))
      .data?.inviteMember.invitation.id;
    const attempts = [
      h.call(
        `mutation($i: ChangeMemberRoleInput!) { changeMemberRole(input: $i) { membership { id } } }`,
        { i: { membershipId: aMembers[0]!.id, role: 'VIEWER' } },
        b.accessToken,
      ),
      h.call(
        `mutation($i: RemoveMemberInput!) { removeMember(input: $i) { membership { id } } }`,
        { i: { membershipId: aMembers[1]!.id } },
        b.accessToken,
      ),
      h.call(
        `mutation($i: RevokeInvitationInput!) { revokeInvitation(input: $i) { invitation { id } } }`,
        { i: { id: pendingA } },
        b.accessToken,
      ),
    ];
    for (const res of await Promise.all(attempts))
      expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const bInvites = await h.call(`{ invitations { totalCount nodes { id } } }`, {}, b.accessToken);
    expect(bInvites.data?.invitations.totalCount).toBe(0);
    const after = await h.sql('select id, role from memberships where organization_id = ? order by id', [
      a.organization.id,
    ]);
    expect(after).toHaveLength(aMembers.length);
    const inv = await h.sql('select status from invitations where id = ?', [pendingA]);
    expect(inv[0]!.status).toBe('PENDING');
  });
});

describe('partner connections', () => {
  let connectionId: string;

  it('retailer requests, brand accepts; scopes are validated and normalised', async () => {
    const incompatible = await h.call(
      REQUEST,
      { i: { partnerId: b.organization.id, scopes: ['CATALOG_READ'] } },
      a.accessToken,
    );
    expect(incompatible.data?.requestConnection.userErrors[0].code).toBe('INCOMPATIBLE_PARTNER');
    const wrongScope = await h.call(
      REQUEST,
      { i: { partnerId: a.organization.id, scopes: ['FULFILL_ORDERS'] } },
      retailer.accessToken,
    );
    expect(wrongScope.data?.requestConnection.userErrors[0].code).toBe('INVALID_SCOPE');
    const res = await h.call(
      REQUEST,
      { i: { partnerId: a.organization.id, scopes: ['SELL_PRODUCTS'] } },
      retailer.accessToken,
    );
    const c = res.data?.requestConnection.connection;
    expect(c).toMatchObject({
      status: 'PENDING',
      scopes: ['CATALOG_READ', 'SELL_PRODUCTS'],
      requester: { id: retailer.organization.id },
      partner: { id: a.organization.id },
    });
    connectionId = c.id;
    const dup = await h.call(
      REQUEST,
      { i: { partnerId: retailer.organization.id, scopes: ['CATALOG_READ'] } },
      a.accessToken,
    );
    expect(dup.data?.requestConnection.userErrors[0].code).toBe('ALREADY_CONNECTED');
    const selfAccept = await h.call(RESPOND, { i: { connectionId, accept: true } }, retailer.accessToken);
    expect(selfAccept.data?.respondToConnection.userErrors[0].code).toBe('NOT_RECIPIENT');
    const accepted = await h.call(RESPOND, { i: { connectionId, accept: true } }, a.accessToken);
    expect(accepted.data?.respondToConnection.connection.status).toBe('ACTIVE');
    const incoming = await h.call(
      `{ connections(filter: { status: ACTIVE, direction: INCOMING }) { totalCount nodes { id } } }`,
      {},
      a.accessToken,
    );
    expect(incoming.data?.connections.nodes).toEqual([{ id: connectionId }]);
    const events = await h.sql(`select type from outbox where aggregate_id = ? order by seq`, [connectionId]);
    expect(events.map((e) => e.type)).toEqual([
      'identity.connection.requested',
      'identity.connection.accepted',
    ]);
  });

  it('tenant isolation: brand B cannot see, accept or revoke a connection between A and the retailer', async () => {
    const seen = await h.call(
      `query($id: ID!) { connection(id: $id) { id } }`,
      { id: connectionId },
      b.accessToken,
    );
    expect(seen.data?.connection).toBeNull();
    const list = await h.call(`{ connections { totalCount } }`, {}, b.accessToken);
    expect(list.data?.connections.totalCount).toBe(0);
    for (const q of [RESPOND, REVOKE]) {
      const res = await h.call(
        q,
        { i: q === RESPOND ? { connectionId, accept: false } : { connectionId } },
        b.accessToken,
      );
      expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    const forged = await h.call(
      REVOKE,
      { i: { connectionId: 'con_01FORGED0000000000000000000000' } },
      a.accessToken,
    );
    expect(forged.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const row = await h.sql('select status from partner_connections where id = ?', [connectionId]);
    expect(row[0]!.status).toBe('ACTIVE');
  });

  it('either side can revoke; a new request is then possible', async () => {
    const revoked = await h.call(REVOKE, { i: { connectionId } }, a.accessToken);
    expect(revoked.data?.revokeConnection.connection.status).toBe('REVOKED');
    const again = await h.call(REVOKE, { i: { connectionId } }, retailer.accessToken);
    expect(again.data?.revokeConnection.userErrors[0].code).toBe('NOT_OPEN');
    const renewed = await h.call(
      REQUEST,
      { i: { partnerId: a.organization.id, scopes: ['CATALOG_READ'] } },
      supplier.accessToken,
    );
    expect(renewed.data?.requestConnection.connection.status).toBe('PENDING');
  });

  it('the directory lists active organisations by kind and name with cursor pagination', async () => {
    const p1 = await h.call(
      `{ organizations(filter: { kind: BRAND }, first: 1) { totalCount nodes { name } pageInfo { hasNextPage endCursor } } }`,
      {},
      retailer.accessToken,
    );
    expect(p1.data?.organizations).toMatchObject({
      totalCount: 2,
      nodes: [{ name: 'Brand A' }],
      pageInfo: { hasNextPage: true },
    });
    const p2 = await h.call(
      `query($a: String) { organizations(filter: { kind: BRAND }, first: 1, after: $a) { nodes { name } pageInfo { hasNextPage } } }`,
      { a: p1.data?.organizations.pageInfo.endCursor },
      retailer.accessToken,
    );
    expect(p2.data?.organizations).toEqual({
      nodes: [{ name: 'Brand B' }],
      pageInfo: { hasNextPage: false },
    });
    const big = await h.call(`{ organizations(first: 1000) { totalCount } }`);
    expect(big.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('API keys', () => {
  const introspect = async (key: string) => {
    const res = await fetch(`${h.base}${API_KEY_INTROSPECTION_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-tradegraph-internal-token': await h.keys.sign('identity', { kind: 'router' }),
      },
      body: JSON.stringify({ key }),
    });
    return res.json() as Promise<{ active: boolean; principal?: Record<string, unknown> }>;
  };

  it('shows the secret once, stores only a hash, introspects to a scoped principal, and stops working when revoked', async () => {
    const res = await h.call(
      `mutation { createApiKey(input: { name: "PIM sync", scopes: [CATALOG_WRITE] }) { apiKey { id name scopes lastFour } secret userErrors { code } } }`,
      {},
      a.accessToken,
    );
    const { apiKey, secret } = res.data!.createApiKey;
    expect(secret).toMatch(/^tgk_/);
    expect(apiKey.lastFour).toBe(secret.slice(-4));
    const stored = await h.sql('select secret_hash from api_keys where id = ?', [apiKey.id]);
    expect(stored[0]!.secret_hash).not.toContain(secret.slice(4, 20));
    const active = await introspect(secret);
    expect(active).toMatchObject({
      active: true,
      principal: { kind: 'apiKey', organizationId: a.organization.id, organizationKind: 'BRAND' },
    });
    expect(active.principal?.permissions).toEqual(['org:read', 'catalog:read', 'catalog:write']);
    expect((await introspect(`${secret.slice(0, -1)}x`)).active).toBe(false);

    // Tenant isolation: B can neither list nor revoke A's key.
    const bList = await h.call(`{ apiKeys { totalCount } }`, {}, b.accessToken);
    expect(bList.data?.apiKeys.totalCount).toBe(0);
    const bRevoke = await h.call(
      `mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { id } } }`,
      { id: apiKey.id },
      b.accessToken,
    );
    expect(bRevoke.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await introspect(secret)).active).toBe(true);

    const revoke = await h.call(
      `mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { revokedAt } } }`,
      { id: apiKey.id },
      a.accessToken,
    );
    expect(revoke.data?.revokeApiKey.apiKey.revokedAt).toBeTruthy();
    expect((await introspect(secret)).active).toBe(false);
  });

  it('introspection is for the router only', async () => {
    const res = await fetch(`${h.base}${API_KEY_INTROSPECTION_PATH}`, {
      method: 'POST',
      body: '{"key":"tgk_x"}',
    });
    expect(res.status).toBe(401);
    const asUser = await fetch(`${h.base}${API_KEY_INTROSPECTION_PATH}`, {
      method: 'POST',
      headers: { 'x-tradegraph-internal-token': await h.keys.sign('identity', h.principalOf(a.accessToken)) },
      body: '{"key":"tgk_x"}',
    });
    expect(asUser.status).toBe(403);
  });
});
