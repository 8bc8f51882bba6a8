import { generateInternalKeyPair, loadInternalPrivateKey, signInternalToken } from '@tradegraph/shared';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retireSigningKeys, rotateSigningKey } from '../src/domain/signing-keys.ts';
import { type Harness, startHarness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ LOGIN_MAX_FAILURES: '3' });
});
afterAll(async () => h?.stop());

const LOGIN = `mutation($i: LoginInput!) { login(input: $i) { accessToken refreshToken organization { id } userErrors { code message field } } }`;
const REFRESH = `mutation($t: String!) { refreshToken(input: { refreshToken: $t }) { accessToken refreshToken userErrors { code } } }`;

describe('sign-up', () => {
  it('creates a user, an organisation with the user as OWNER, a session, and outbox events in one go', async () => {
    const s = await h.signUp('owner@brand-a.test', 'BRAND', 'Brand A');
    expect(s.organization.kind).toBe('BRAND');
    const me = await h.call(
      `{ me { email kind memberships { role permissions organization { id name kind slug } } } }`,
      {},
      s.accessToken,
    );
    expect(me.data?.me).toMatchObject({ email: 'owner@brand-a.test', kind: 'MEMBER' });
    expect(me.data?.me.memberships).toHaveLength(1);
    expect(me.data?.me.memberships[0]).toMatchObject({
      role: 'OWNER',
      organization: { name: 'Brand A', kind: 'BRAND', slug: 'brand-a' },
    });
    expect(me.data?.me.memberships[0].permissions).toContain('catalog:publish');
    const events = await h.sql('select type, aggregate_id, org_id from outbox order by seq');
    expect(events.map((e) => e.type)).toEqual([
      'identity.user.registered',
      'identity.email-verification.requested',
      'identity.organization.created',
      'identity.membership.created',
    ]);
    expect(events[1]!.aggregate_id).toBe(s.user.id);
    expect(events[2]!.aggregate_id).toBe(s.organization.id);
  });

  it('rejects bad input with userErrors and writes nothing', async () => {
    const before = await h.sql('select (select count(*) from users) u, (select count(*) from outbox) o');
    const cases = [
      [{ email: 'not-an-email', password: 'correct horse battery' }, 'INVALID_EMAIL'],
      [{ email: 'x@y.test', password: 'short' }, 'WEAK_PASSWORD'],
    ] as const;
    for (const [input, code] of cases) {
      const res = await h.call(
        `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken userErrors { code field } } }`,
        {
          i: { ...input, name: 'N', organization: { name: 'Org', kind: 'RETAILER' } },
        },
      );
      expect(res.data?.signUp.accessToken).toBeNull();
      expect(res.data?.signUp.userErrors[0].code).toBe(code);
    }
    const platform = await h.call(
      `mutation { signUp(input: { email: "p@p.test", password: "correct horse battery", name: "P", organization: { name: "P", kind: PLATFORM } }) { userErrors { code } } }`,
    );
    expect(platform.data?.signUp.userErrors[0].code).toBe('INVALID_KIND');
    const after = await h.sql('select (select count(*) from users) u, (select count(*) from outbox) o');
    expect(after).toEqual(before);
  });

  it('registers customers without an organisation', async () => {
    const res = await h.call(
      `mutation { registerCustomer(input: { email: "Shopper@Example.test", password: "correct horse battery", name: "Sue" }) { accessToken user { email kind memberships { id } } userErrors { code } } }`,
    );
    expect(res.data?.registerCustomer.user).toEqual({
      email: 'shopper@example.test',
      kind: 'CUSTOMER',
      memberships: [],
    });
    const p = h.principalOf(res.data?.registerCustomer.accessToken);
    expect(p.kind).toBe('customer');
  });

  it('a taken email answers like a success without a session, tells nobody but the owner, and takes as long', async () => {
    const SIGN_UP = `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken refreshToken expiresAt user { id } organization { id } userErrors { code field } } }`;
    const input = (email: string) => ({
      i: {
        email,
        password: 'another good password',
        name: 'N',
        organization: { name: 'Org', kind: 'RETAILER' },
      },
    });
    const before = await h.sql(
      'select (select count(*) from users) u, (select count(*) from organizations) o',
    );
    const started = performance.now();
    const taken = await h.call(SIGN_UP, input('OWNER@brand-a.test'));
    const takenMs = performance.now() - started;
    expect(taken.data?.signUp).toEqual({
      accessToken: null,
      refreshToken: null,
      expiresAt: null,
      user: null,
      organization: null,
      userErrors: [],
    });
    const after = await h.sql(
      'select (select count(*) from users) u, (select count(*) from organizations) o',
    );
    expect(after).toEqual(before);
    const told = await h.sql(
      `select envelope from outbox where type = 'identity.registration.email-taken' order by seq desc limit 1`,
    );
    const envelope = told[0]!.envelope;
    const payload = (typeof envelope === 'string' ? JSON.parse(envelope) : envelope).payload;
    expect(payload).toMatchObject({
      email: 'owner@brand-a.test',
      attempted: 'MEMBER',
    });
    // The same for a shopper registration with a member's email.
    const customer = await h.call(
      `mutation { registerCustomer(input: { email: "owner@brand-a.test", password: "another good password", name: "S" }) { accessToken user { id } userErrors { code } } }`,
    );
    expect(customer.data?.registerCustomer).toEqual({ accessToken: null, user: null, userErrors: [] });
    // Both branches hash a password (argon2 dominates): within a factor of the new-account time.
    const fresh = performance.now();
    await h.call(SIGN_UP, input('fresh-timing@example.test'));
    const freshMs = performance.now() - fresh;
    expect(takenMs).toBeGreaterThan(freshMs / 4);
  });

  it('concurrent sign-ups with one email: exactly one account, the others a success without a session, nothing half-written', async () => {
    const before = await h.sql(
      'select (select count(*) from users) u, (select count(*) from organizations) o',
    );
    const results = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        h.call(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken userErrors { code field } } }`, {
          i: {
            email: 'race@example.test',
            password: 'correct horse battery',
            name: `Racer ${n}`,
            organization: { name: `Race ${n}`, kind: 'BRAND' },
          },
        }),
      ),
    );
    expect(results.every((r) => r.errors === undefined)).toBe(true);
    const won = results.filter((r) => r.data.signUp.accessToken);
    const lost = results.filter((r) => !r.data.signUp.accessToken);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(3);
    for (const r of lost) expect(r.data.signUp.userErrors).toEqual([]);
    const after = await h.sql(
      'select (select count(*) from users) u, (select count(*) from organizations) o',
    );
    expect(after[0]).toEqual({ u: before[0]!.u + 1, o: before[0]!.o + 1 });
  });

  it('concurrent sign-ups of different people all succeed, each with its verification link (no lock conflict between them)', async () => {
    const emails = Array.from({ length: 8 }, (_, n) => `crowd-${n}@example.test`);
    const results = await Promise.all(
      emails.map((email, n) =>
        h.call(`mutation($i: SignUpInput!) { signUp(input: $i) { accessToken userErrors { code } } }`, {
          i: {
            email,
            password: 'correct horse battery',
            name: `Crowd ${n}`,
            organization: { name: `Crowd ${n}`, kind: 'RETAILER' },
          },
        }),
      ),
    );
    for (const r of results) {
      expect(r.errors).toBeUndefined();
      expect(r.data.signUp.accessToken).toBeTruthy();
    }
    const tokens = await h.sql(
      `select count(*) n from account_tokens t join users u on u.id = t.user_id
        where u.email like 'crowd-%' and t.purpose = 'VERIFY_EMAIL' and t.status = 'PENDING'`,
    );
    expect(Number(tokens[0]!.n)).toBe(emails.length);
  });
});

describe('login', () => {
  it('issues an RS256 token with kid, verifiable with the JWKS, carrying org, role and permissions', async () => {
    const res = await h.call(LOGIN, {
      i: { email: 'OWNER@brand-a.test', password: 'correct horse battery' },
    });
    const token = res.data?.login.accessToken as string;
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', kid: expect.stringMatching(/^key_/) });
    const jwks = createRemoteJWKSet(new URL(`${h.base}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(token, jwks, {
      issuer: 'tradegraph-identity',
      audience: 'tradegraph',
      algorithms: ['RS256'],
    });
    expect(payload).toMatchObject({
      typ: 'user',
      role: 'OWNER',
      okd: 'BRAND',
      org: res.data?.login.organization.id,
    });
    expect((payload.exp as number) - (payload.iat as number)).toBe(900);
  });

  it('gives the same error for an unknown user and a wrong password, and locks after repeated failures', async () => {
    const unknown = await h.call(LOGIN, {
      i: { email: 'nobody@nowhere.test', password: 'whatever whatever' },
    });
    const wrong = await h.call(LOGIN, { i: { email: 'owner@brand-a.test', password: 'wrong password!!' } });
    expect(unknown.data?.login.userErrors).toEqual(wrong.data?.login.userErrors);
    expect(wrong.data?.login.userErrors[0].code).toBe('INVALID_CREDENTIALS');
    await h.call(LOGIN, { i: { email: 'owner@brand-a.test', password: 'wrong password!!' } });
    await h.call(LOGIN, { i: { email: 'owner@brand-a.test', password: 'wrong password!!' } });
    const locked = await h.call(LOGIN, {
      i: { email: 'owner@brand-a.test', password: 'correct horse battery' },
    });
    expect(locked.data?.login.accessToken).toBeNull();
    expect(locked.data?.login.userErrors[0].code).toBe('TOO_MANY_ATTEMPTS');
    // Unknown emails are throttled the same way, so locking reveals nothing.
    for (let i = 0; i < 3; i++) await h.call(LOGIN, { i: { email: 'nobody@nowhere.test', password: 'x' } });
    const unknownLocked = await h.call(LOGIN, { i: { email: 'nobody@nowhere.test', password: 'x' } });
    expect(unknownLocked.data?.login.userErrors[0].code).toBe('TOO_MANY_ATTEMPTS');
    await h.sql('delete from login_attempts');
  });

  it('acts for the requested organisation only when the user is a member of it', async () => {
    const other = await h.signUp('owner@retailer-b.test', 'RETAILER');
    const res = await h.call(LOGIN, {
      i: {
        email: 'owner@brand-a.test',
        password: 'correct horse battery',
        organizationId: other.organization.id,
      },
    });
    expect(res.data?.login.userErrors[0].code).toBe('NOT_A_MEMBER');
  });
});

describe('refresh tokens', () => {
  it('rotates, and a reused token revokes the whole family', async () => {
    const login = await h.call(LOGIN, {
      i: { email: 'owner@brand-a.test', password: 'correct horse battery' },
    });
    const first = login.data?.login.refreshToken as string;
    const r1 = await h.call(REFRESH, { t: first });
    expect(r1.data?.refreshToken.accessToken).toBeTruthy();
    const second = r1.data?.refreshToken.refreshToken as string;
    expect(second).not.toBe(first);
    const r2 = await h.call(REFRESH, { t: second });
    const third = r2.data?.refreshToken.refreshToken as string;
    // Replaying the first token: theft detected, family revoked.
    const replay = await h.call(REFRESH, { t: first });
    expect(replay.data?.refreshToken.userErrors[0].code).toBe('REFRESH_TOKEN_REUSED');
    const afterRevocation = await h.call(REFRESH, { t: third });
    expect(afterRevocation.data?.refreshToken.userErrors[0].code).toBe('INVALID_REFRESH_TOKEN');
    const revoked = await h.sql(`select count(*) n from outbox where type = 'identity.session.revoked'`);
    expect(Number(revoked[0]!.n)).toBe(1);
  });

  it('two concurrent refreshes with one token: exactly one succeeds', async () => {
    const login = await h.call(LOGIN, {
      i: { email: 'owner@brand-a.test', password: 'correct horse battery' },
    });
    const t = login.data?.login.refreshToken as string;
    const results = await Promise.all([h.call(REFRESH, { t }), h.call(REFRESH, { t })]);
    const ok = results.filter((r) => r.data?.refreshToken.accessToken);
    expect(ok).toHaveLength(1);
  });

  it('logout ends the session', async () => {
    const login = await h.call(LOGIN, {
      i: { email: 'owner@brand-a.test', password: 'correct horse battery' },
    });
    const t = login.data?.login.refreshToken as string;
    const out = await h.call(`mutation($t: String!) { logout(input: { refreshToken: $t }) { success } }`, {
      t,
    });
    expect(out.data?.logout.success).toBe(true);
    const r = await h.call(REFRESH, { t });
    expect(r.data?.refreshToken.userErrors[0].code).toBe('INVALID_REFRESH_TOKEN');
  });
});

describe('signing key rotation', () => {
  it('signs with the new key while the old one still verifies, then retires it', async () => {
    const before = (await (await fetch(`${h.base}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    expect(before.keys).toHaveLength(1);
    const oldKid = before.keys[0]!.kid;
    const orm = (await import('@tradegraph/shared')).openDatabase;
    const { entities } = await import('../src/entities/index.ts');
    const { migrations } = await import('../src/migrations/index.ts');
    const { createLogger } = await import('@tradegraph/shared');
    const db = await orm({
      db: h.db,
      name: 'identity',
      entities,
      migrations,
      logger: createLogger('t', 'silent'),
    });
    const newKid = await rotateSigningKey(db, undefined);
    await h.service.services.keys.reload();
    const after = (await (await fetch(`${h.base}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    expect(after.keys.map((k) => k.kid).sort()).toEqual([oldKid, newKid].sort());
    const login = await h.call(LOGIN, {
      i: { email: 'owner@brand-a.test', password: 'correct horse battery' },
    });
    expect(decodeProtectedHeader(login.data?.login.accessToken).kid).toBe(newKid);
    expect(await retireSigningKeys(db, 3600)).toEqual([]); // too young to retire
    expect(await retireSigningKeys(db, 0)).toEqual([oldKid]);
    await h.service.services.keys.reload();
    const final = (await (await fetch(`${h.base}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    expect(final.keys.map((k) => k.kid)).toEqual([newKid]);
    await db.close();
  });
});

describe('the internal-token gate', () => {
  const query = JSON.stringify({ query: '{ _service { sdl } }' });
  const post = (headers: Record<string, string>, body = query) =>
    fetch(h.service.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  it('refuses requests without a token, with a forged one, the wrong audience or an expired one — _service and _entities included', async () => {
    expect((await post({})).status).toBe(401);
    const forged = generateInternalKeyPair();
    const forgedToken = await signInternalToken(loadInternalPrivateKey(forged.privateKey), 'identity', {
      principal: { kind: 'router' },
      requestId: 'x',
    });
    expect((await post({ 'x-tradegraph-internal-token': forgedToken })).status).toBe(401);
    const wrongAudience = await h.keys.sign('catalog', { kind: 'anonymous' });
    expect((await post({ 'x-tradegraph-internal-token': wrongAudience })).status).toBe(401);
    const expired = await signInternalToken(
      loadInternalPrivateKey(h.keys.privateKey),
      'identity',
      { principal: { kind: 'anonymous' }, requestId: 'x' },
      -120,
    );
    expect((await post({ 'x-tradegraph-internal-token': expired })).status).toBe(401);
    const entities = JSON.stringify({
      query: '{ _entities(representations: [{ __typename: "Organization", id: "x" }]) { __typename } }',
    });
    expect((await post({}, entities)).status).toBe(401);
    expect(
      (await post({ 'x-tradegraph-internal-token': await h.keys.sign('identity', { kind: 'anonymous' }) }))
        .status,
    ).toBe(200);
  });

  it('serves health and metrics without a token, and JWKS publicly', async () => {
    expect((await fetch(`${h.base}/health`)).status).toBe(200);
    expect((await fetch(`${h.base}/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${h.base}/metrics`)).text();
    expect(metrics).toContain('internal_token_rejections_total');
  });
});

describe('events', () => {
  it('publishes the outbox through the bus: committed events reach the topic and are marked sent', async () => {
    const s = await h.signUp('events@brand-e.test', 'BRAND', 'Brand E');
    const seen: { type: string; orgId: string | null }[] = [];
    const ac = new AbortController();
    const tail = h.service.bus.tail(
      'identity.organization',
      { fromBeginning: true, signal: ac.signal },
      (rec) => {
        const env = JSON.parse(rec.value) as { type: string; orgId: string | null };
        seen.push({ type: env.type, orgId: env.orgId });
      },
    );
    const deadline = Date.now() + 5000;
    while (!seen.some((e) => e.orgId === s.organization.id) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    await tail.catch(() => {});
    expect(seen).toContainEqual({ type: 'identity.organization.created', orgId: s.organization.id });
    const pending = await h.sql('select count(*) n from outbox where published_at is null');
    expect(Number(pending[0]!.n)).toBe(0);
  });
});
