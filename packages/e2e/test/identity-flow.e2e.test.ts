import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../src/stack.ts';

/**
 * The identity journey as a client lives it, entirely through the router:
 * sign-up → login → me → refresh → reuse detected → invite → accept →
 * connection request → accept → revoke; plus tenant isolation with forged ids
 * and the subgraphs' refusal of calls that bypass the router.
 */

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(async () => s?.stop());

const SESSION =
  'accessToken refreshToken expiresAt user { id email } organization { id name kind } userErrors { code message field }';

async function signUp(email: string, org: string, kind: string) {
  const res = await s.gql(`mutation($i: SignUpInput!) { signUp(input: $i) { ${SESSION} } }`, {
    i: {
      email,
      password: 'a long enough password',
      name: `Owner of ${org}`,
      organization: { name: org, kind },
    },
  });
  expect(res.data?.signUp.userErrors).toEqual([]);
  return res.data?.signUp as { accessToken: string; refreshToken: string; organization: { id: string } };
}

describe('identity through the router', () => {
  let brand: { accessToken: string; refreshToken: string; organization: { id: string } };
  let retailer: Awaited<ReturnType<typeof signUp>>;
  let connectionId: string;

  it('sign-up, login and me', async () => {
    brand = await signUp('bea@northwind.test', 'Northwind', 'BRAND');
    const login = await s.gql(
      `mutation { login(input: { email: "bea@northwind.test", password: "a long enough password" }) { ${SESSION} } }`,
    );
    expect(login.data?.login).toMatchObject({
      user: { email: 'bea@northwind.test' },
      organization: { name: 'Northwind', kind: 'BRAND' },
      userErrors: [],
    });
    const me = await s.gql(
      `{ me { email memberships { role organization { name } } } currentOrganization { name } }`,
      {},
      login.data?.login.accessToken,
    );
    expect(me.data).toEqual({
      me: {
        email: 'bea@northwind.test',
        memberships: [{ role: 'OWNER', organization: { name: 'Northwind' } }],
      },
      currentOrganization: { name: 'Northwind' },
    });
    const anonymous = await s.gql(`{ me { id } }`);
    expect(anonymous.data?.me).toBeNull();
  });

  it('refresh rotates; reusing a rotated token is detected and ends the session', async () => {
    // A session of its own: ending it must not end the one the other tests use.
    const login = await s.gql(
      `mutation { login(input: { email: "bea@northwind.test", password: "a long enough password" }) { ${SESSION} } }`,
    );
    const session = login.data?.login;
    expect(session?.refreshToken).toBeTruthy();
    const r1 = await s.gql(
      `mutation($t: String!) { refreshToken(input: { refreshToken: $t }) { ${SESSION} } }`,
      { t: session.refreshToken },
    );
    expect(r1.data?.refreshToken.accessToken).toBeTruthy();
    const me = await s.gql(`{ me { email } }`, {}, r1.data?.refreshToken.accessToken);
    expect(me.data?.me.email).toBe('bea@northwind.test');
    const reuse = await s.gql(
      `mutation($t: String!) { refreshToken(input: { refreshToken: $t }) { ${SESSION} } }`,
      { t: session.refreshToken },
    );
    expect(reuse.data?.refreshToken.userErrors[0].code).toBe('REFRESH_TOKEN_REUSED');
    const successor = await s.gql(
      `mutation($t: String!) { refreshToken(input: { refreshToken: $t }) { ${SESSION} } }`,
      { t: r1.data?.refreshToken.refreshToken },
    );
    expect(successor.data?.refreshToken.userErrors[0].code).toBe('INVALID_REFRESH_TOKEN');
  });

  it('invite → accept: the new member signs in with the invited role', async () => {
    const inv = await s.gql(
      `mutation { inviteMember(input: { email: "max@northwind.test", role: MANAGER }) { invitation { token } userErrors { code } } }`,
      {},
      brand.accessToken,
    );
    const token = inv.data?.inviteMember.invitation.token;
    const accepted = await s.gql(
      `mutation($t: String!) { acceptInvitation(input: { token: $t, password: "another long password", name: "Max" }) { ${SESSION} } }`,
      { t: token },
    );
    expect(accepted.data?.acceptInvitation.organization.id).toBe(brand.organization.id);
    const me = await s.gql(
      `{ me { memberships { role permissions } } }`,
      {},
      accepted.data?.acceptInvitation.accessToken,
    );
    expect(me.data?.me.memberships[0].role).toBe('MANAGER');
    expect(me.data?.me.memberships[0].permissions).toContain('connections:manage');
    expect(me.data?.me.memberships[0].permissions).not.toContain('members:manage');
  });

  it('connection request → accept → revoke', async () => {
    retailer = await signUp('rita@corner.test', 'Corner Store', 'RETAILER');
    const dir = await s.gql(
      `{ organizations(filter: { kind: BRAND, nameContains: "north" }) { nodes { id name } } }`,
      {},
      retailer.accessToken,
    );
    expect(dir.data?.organizations.nodes).toEqual([{ id: brand.organization.id, name: 'Northwind' }]);
    const req = await s.gql(
      `mutation($p: ID!) { requestConnection(input: { partnerId: $p, scopes: [CATALOG_READ, SELL_PRODUCTS] }) { connection { id status } userErrors { code } } }`,
      { p: brand.organization.id },
      retailer.accessToken,
    );
    connectionId = req.data?.requestConnection.connection.id;
    expect(req.data?.requestConnection.connection.status).toBe('PENDING');
    const acc = await s.gql(
      `mutation($c: ID!) { respondToConnection(input: { connectionId: $c, accept: true }) { connection { status requester { name } partner { name } } } }`,
      { c: connectionId },
      brand.accessToken,
    );
    expect(acc.data?.respondToConnection.connection).toEqual({
      status: 'ACTIVE',
      requester: { name: 'Corner Store' },
      partner: { name: 'Northwind' },
    });
    const rev = await s.gql(
      `mutation($c: ID!) { revokeConnection(input: { connectionId: $c }) { connection { status revokedAt } } }`,
      { c: connectionId },
      retailer.accessToken,
    );
    expect(rev.data?.revokeConnection.connection.status).toBe('REVOKED');
  });

  it('tenant isolation: another tenant with forged and foreign ids gets nothing and changes nothing', async () => {
    const other = await signUp('otto@other.test', 'Other Brand', 'BRAND');
    const key = await s.gql(
      `mutation { createApiKey(input: { name: "erp", scopes: [CATALOG_READ] }) { apiKey { id } secret } }`,
      {},
      brand.accessToken,
    );
    const apiKeyId = key.data?.createApiKey.apiKey.id;
    const members = await s.gql(
      `query($id: ID!) { organization(id: $id) { name members { nodes { id } } } }`,
      { id: brand.organization.id },
      other.accessToken,
    );
    expect(members.data?.organization).toBeNull();
    expect(members.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const attempts = await Promise.all([
      s.gql(
        `mutation($c: ID!) { revokeConnection(input: { connectionId: $c }) { connection { id } } }`,
        { c: connectionId },
        other.accessToken,
      ),
      s.gql(
        `mutation($k: ID!) { revokeApiKey(input: { id: $k }) { apiKey { id } } }`,
        { k: apiKeyId },
        other.accessToken,
      ),
      s.gql(
        `mutation($k: ID!) { revokeApiKey(input: { id: $k }) { apiKey { id } } }`,
        { k: 'apk_01FORGED00000000000000000000' },
        other.accessToken,
      ),
      s.gql(`query($c: ID!) { connection(id: $c) { id } }`, { c: connectionId }, other.accessToken),
    ]);
    expect(attempts.slice(0, 3).map((r) => r.errors?.[0]?.extensions?.code)).toEqual([
      'NOT_FOUND',
      'NOT_FOUND',
      'NOT_FOUND',
    ]);
    expect(attempts[3]!.data?.connection).toBeNull();
    const lists = await s.gql(
      `{ connections { totalCount } apiKeys { totalCount } invitations { totalCount } }`,
      {},
      other.accessToken,
    );
    expect(lists.data).toEqual({
      connections: { totalCount: 0 },
      apiKeys: { totalCount: 0 },
      invitations: { totalCount: 0 },
    });
    // The key still works for its owner: the forged revocation changed nothing.
    const viaKey = await s.gql(`{ currentOrganization { name } }`, {}, key.data?.createApiKey.secret);
    expect(viaKey.data?.currentOrganization.name).toBe('Northwind');
  });

  it('client-sent internal headers are dropped: a forged principal header is not trusted', async () => {
    const forged = await s.gql(`{ me { id } }`, {}, undefined, {
      'x-tradegraph-internal-token': 'forged',
      'x-tradegraph-principal': JSON.stringify({
        kind: 'user',
        userId: 'usr_x',
        organizationId: brand.organization.id,
      }),
    });
    expect(forged.status).toBe(200);
    expect(forged.data?.me).toBeNull();
  });

  it('subgraphs refuse calls that did not come through the router', async () => {
    const res = await fetch(s.subgraph('identity').url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${brand.accessToken}` },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(res.status).toBe(401);
  });
});
