import { API_KEY_INTROSPECTION_PATH } from '@tradegraph/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

/**
 * Issue 12: identity's sensitive mutations act on the member's CURRENT role
 * (not their token's), keys never carry more than their creator, every end of
 * access is a revocation the routers can read, and a stranger cannot lock an
 * owner out.
 */

let h: Harness;
type Session = Awaited<ReturnType<Harness['signUp']>>;
let owner: Session;

const INVITE = `mutation($i: InviteMemberInput!) { inviteMember(input: $i) { invitation { id token } userErrors { code } } }`;
const ACCEPT = `mutation($i: AcceptInvitationInput!) { acceptInvitation(input: $i) { accessToken user { id } userErrors { code } } }`;
const MEMBERS = `query($id: ID!) { organization(id: $id) { members(first: 50) { nodes { id role user { id } } } } }`;
const CREATE_KEY = `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id expiresAt scopes } secret userErrors { code } } }`;
const ROLE = `mutation($i: ChangeMemberRoleInput!) { changeMemberRole(input: $i) { membership { role } userErrors { code } } }`;
const REMOVE = `mutation($i: RemoveMemberInput!) { removeMember(input: $i) { membership { id } userErrors { code } } }`;
const LOGIN = `mutation($i: LoginInput!) { login(input: $i) { accessToken userErrors { code } } }`;

/** Invites `email` with `role` into the owner's organisation and signs them in; returns their token and membership id. */
async function addMember(email: string, role: string) {
  const inv = await h.call(INVITE, { i: { email, role } }, owner.accessToken);
  const accepted = await h.call(ACCEPT, {
    i: { token: inv.data?.inviteMember.invitation.token, password: 'member password 1', name: 'M' },
  });
  const token = accepted.data?.acceptInvitation.accessToken as string;
  const userId = accepted.data?.acceptInvitation.user.id as string;
  const members = await h.call(MEMBERS, { id: owner.organization.id }, owner.accessToken);
  const membership = members.data?.organization.members.nodes.find(
    (m: { user: { id: string } }) => m.user.id === userId,
  );
  return { token, userId, membershipId: membership.id as string };
}

const introspect = async (key: string) => {
  const res = await fetch(`${h.base}${API_KEY_INTROSPECTION_PATH}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-tradegraph-internal-token': await h.keys.sign('identity', { kind: 'router' }),
    },
    body: JSON.stringify({ key }),
  });
  return (await res.json()) as { active: boolean; principal?: { permissions: string[] } };
};

beforeAll(async () => {
  // A poll far slower than a router may wait: this process's revocations must not need it.
  h = await startHarness({
    LOGIN_MAX_FAILURES: '3',
    API_KEY_DEFAULT_TTL_DAYS: '30',
    REVOCATION_POLL_MS: '5000',
  });
  owner = await h.signUp('owner@sec.test', 'BRAND', 'Sec Brand');
});
afterAll(async () => h?.stop());

describe('a removed or demoted admin', () => {
  it('cannot mint a key or invite a second self with the token they still hold', async () => {
    const admin = await addMember('admin1@sec.test', 'ADMIN');
    await h.call(ROLE, { i: { membershipId: admin.membershipId, role: 'VIEWER' } }, owner.accessToken);
    const key = await h.call(CREATE_KEY, { i: { name: 'k', scopes: ['CATALOG_WRITE'] } }, admin.token);
    expect(key.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(key.data?.createApiKey ?? null).toBeNull();

    const other = await addMember('admin2@sec.test', 'ADMIN');
    await h.call(REMOVE, { i: { membershipId: other.membershipId } }, owner.accessToken);
    const invite = await h.call(INVITE, { i: { email: 'me-again@sec.test', role: 'ADMIN' } }, other.token);
    expect(invite.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const pending = await h.sql(`select count(*) n from invitations where email = 'me-again@sec.test'`);
    expect(Number(pending[0]!.n)).toBe(0);
  });

  it('records a revocation of their access in the organisation, served by the feed', async () => {
    const admin = await addMember('admin3@sec.test', 'ADMIN');
    const before = Date.now();
    await h.call(REMOVE, { i: { membershipId: admin.membershipId } }, owner.accessToken);
    const rows = await h.sql(
      'select user_id, organization_id, reason from access_revocations where user_id = ?',
      [admin.userId],
    );
    expect(rows).toEqual([
      { user_id: admin.userId, organization_id: owner.organization.id, reason: 'member-removed' },
    ]);
    const events = await h.sql(`select count(*) n from outbox where type = 'identity.access.revoked'`);
    expect(Number(events[0]!.n)).toBeGreaterThan(0);
    await h.service.services.revocations.poll();
    const feed = await h.internalGet(`/internal/revocations?since=${before - 1000}`);
    expect(feed.status).toBe(200);
    expect(feed.body.revocations).toContainEqual(
      expect.objectContaining({ userId: admin.userId, organizationId: owner.organization.id }),
    );
  });

  it("serves this process's revocation once its transaction commits, not at the next poll", async () => {
    const admin = await addMember('admin4@sec.test', 'ADMIN');
    // a router long-polling the feed, as routers without Redis do
    const polling = h.internalGet(`/internal/revocations?since=${Date.now()}&wait=6000`);
    await new Promise((r) => setTimeout(r, 100));
    await h.call(REMOVE, { i: { membershipId: admin.membershipId } }, owner.accessToken);
    const committed = Date.now();
    const feed = await polling;
    const latency = Date.now() - committed;
    expect(feed.body.revocations).toContainEqual(
      expect.objectContaining({ userId: admin.userId, organizationId: owner.organization.id }),
    );
    // REVOCATION_POLL_MS is 5 s here: the long-poll was woken by the commit
    expect(latency).toBeLessThan(1000);
  });

  it('the feed is for the router only', async () => {
    const res = await fetch(`${h.base}/internal/revocations?since=0`);
    expect(res.status).toBe(401);
  });
});

describe('invitations', () => {
  it('a MANAGER cannot revoke an invitation for an ADMIN', async () => {
    const manager = await addMember('manager@sec.test', 'MANAGER');
    const inv = await h.call(
      INVITE,
      { i: { email: 'future-admin@sec.test', role: 'ADMIN' } },
      owner.accessToken,
    );
    const revoked = await h.call(
      `mutation($i: RevokeInvitationInput!) { revokeInvitation(input: $i) { invitation { status } userErrors { code } } }`,
      { i: { id: inv.data?.inviteMember.invitation.id } },
      manager.token,
    );
    expect(revoked.data?.revokeInvitation.userErrors).toEqual([{ code: 'ROLE_NOT_ALLOWED' }]);
    const status = await h.sql('select status from invitations where id = ?', [
      inv.data?.inviteMember.invitation.id,
    ]);
    expect(status[0]!.status).toBe('PENDING');
  });
});

describe('invitation previews', () => {
  it('tell whether the email has an account only to that account', async () => {
    const inv = await h.call(INVITE, { i: { email: 'owner@sec.test', role: 'VIEWER' } }, owner.accessToken);
    // owner@sec.test is registered, but the inviter (an OWNER of another organisation would be the same) learns nothing.
    const h2Owner = await h.signUp('other-owner@sec.test', 'RETAILER');
    const inv2 = await h.call(
      INVITE,
      { i: { email: 'owner@sec.test', role: 'VIEWER' } },
      h2Owner.accessToken,
    );
    const PREVIEW = `query($t: String!) { invitation(token: $t) { email accountExists } }`;
    const token = inv2.data?.inviteMember.invitation.token;
    expect((await h.call(PREVIEW, { t: token })).data?.invitation.accountExists).toBe(false);
    expect((await h.call(PREVIEW, { t: token }, h2Owner.accessToken)).data?.invitation.accountExists).toBe(
      false,
    );
    expect((await h.call(PREVIEW, { t: token }, owner.accessToken)).data?.invitation.accountExists).toBe(
      true,
    );
    expect(inv.data?.inviteMember.userErrors).toEqual([{ code: 'ALREADY_MEMBER' }]);
  });
});

describe('API keys', () => {
  it('never carry more than their creator may do, and expire by default', async () => {
    const manager = await addMember('manager2@sec.test', 'MANAGER');
    // A MANAGER has no apikeys:manage at all; an ADMIN lacks billing but may create keys.
    const denied = await h.call(CREATE_KEY, { i: { name: 'k', scopes: ['CATALOG_READ'] } }, manager.token);
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const admin = await addMember('admin4@sec.test', 'ADMIN');
    const created = await h.call(CREATE_KEY, { i: { name: 'k', scopes: ['CATALOG_WRITE'] } }, admin.token);
    const { apiKey, secret } = created.data!.createApiKey;
    const days = (Date.parse(apiKey.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);
    expect((await introspect(secret)).principal?.permissions).toContain('catalog:write');

    // Demoted to STAFF, the key keeps only what a STAFF may do of its scopes; removed, it is inactive.
    await h.call(ROLE, { i: { membershipId: admin.membershipId, role: 'VIEWER' } }, owner.accessToken);
    expect((await introspect(secret)).principal?.permissions.sort()).toEqual(['catalog:read', 'org:read']);
    await h.call(REMOVE, { i: { membershipId: admin.membershipId } }, owner.accessToken);
    expect(await introspect(secret)).toEqual({ active: false });

    const former = await h.call(
      `{ apiKeys(filter: { createdByFormerMember: true }) { nodes { id createdByFormerMember } } }`,
      {},
      owner.accessToken,
    );
    expect(former.data?.apiKeys.nodes).toEqual([{ id: apiKey.id, createdByFormerMember: true }]);
  });

  it('revoking a key records a revocation of it', async () => {
    const created = await h.call(
      CREATE_KEY,
      { i: { name: 'k2', scopes: ['CATALOG_READ'] } },
      owner.accessToken,
    );
    const id = created.data?.createApiKey.apiKey.id;
    await h.call(
      `mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { apiKey { revokedAt } userErrors { code } } }`,
      { i: { id } },
      owner.accessToken,
    );
    const rows = await h.sql('select reason from access_revocations where api_key_id = ?', [id]);
    expect(rows).toEqual([{ reason: 'api-key-revoked' }]);
  });
});

describe('login throttling', () => {
  it('a stranger hammering an account from one address does not lock the owner out of another', async () => {
    const email = 'owner@sec.test';
    for (let i = 0; i < 8; i++)
      await h.callFrom('203.0.113.66', LOGIN, { i: { email, password: 'guessing wrong' } });
    const stranger = await h.callFrom('203.0.113.66', LOGIN, {
      i: { email, password: 'correct horse battery' },
    });
    expect(stranger.data?.login.userErrors).toEqual([{ code: 'TOO_MANY_ATTEMPTS' }]);
    const ownerLogin = await h.callFrom('198.51.100.7', LOGIN, {
      i: { email, password: 'correct horse battery' },
    });
    expect(ownerLogin.data?.login.userErrors).toEqual([]);
    expect(ownerLogin.data?.login.accessToken).toEqual(expect.any(String));
  });

  it('one address failing across many accounts is refused for all of them', async () => {
    const h2 = await startHarness({ LOGIN_IP_MAX_FAILURES: '4' });
    try {
      await h2.signUp('victim@ip.test', 'BRAND');
      for (let i = 0; i < 4; i++)
        await h2.callFrom('203.0.113.9', LOGIN, { i: { email: `nobody${i}@ip.test`, password: 'x' } });
      const refused = await h2.callFrom('203.0.113.9', LOGIN, {
        i: { email: 'victim@ip.test', password: 'correct horse battery' },
      });
      expect(refused.data?.login.userErrors).toEqual([{ code: 'TOO_MANY_ATTEMPTS' }]);
      const elsewhere = await h2.callFrom('198.51.100.1', LOGIN, {
        i: { email: 'victim@ip.test', password: 'correct horse battery' },
      });
      expect(elsewhere.data?.login.userErrors).toEqual([]);
    } finally {
      await h2.stop();
    }
  });
});
