import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../src/stack.ts';

/**
 * Issue 10 (identity through notifications) and issue 12 item 5, through the
 * router: an email is verified with the emailed link before its owner may
 * create API keys; after changePassword or resetPassword every access token
 * the account held before is refused (401) within a second, and the new
 * session works. The links are read where notifications gets them: identity's
 * outbox events. Verification is on here (the stack's demo default is off).
 */

let s: Stack;
const PASSWORD = 'a long enough password';
const latencies: Record<string, number> = {};

beforeAll(async () => {
  s = await startStack({ IDENTITY_AUTO_VERIFY_EMAILS: 'false' });
});
afterAll(async () => {
  console.info('[password] change/reset → first refused request (ms):', latencies);
  await s?.stop();
});

/** The newest token identity published in an event of `type` for the account (what notifications would email). */
async function emailedToken(type: string, userId: string): Promise<string> {
  const conn = await createConnection({
    host: s.db.DB_HOST,
    port: s.db.DB_PORT,
    user: s.db.DB_USER,
    password: s.db.DB_PASSWORD,
  });
  try {
    const [rows] = await conn.query(
      `select envelope from \`${s.db.DB_PREFIX}identity\`.outbox where type = ? and aggregate_id = ? order by seq desc limit 1`,
      [type, userId],
    );
    const [row] = rows as { envelope: string | { payload: { token: string } } }[];
    if (!row) throw new Error(`no ${type} event for ${userId}`);
    const envelope = typeof row.envelope === 'string' ? JSON.parse(row.envelope) : row.envelope;
    return envelope.payload.token;
  } finally {
    await conn.end();
  }
}

async function signUp(email: string) {
  const res = await s.gql(
    `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken user { id emailVerified } organization { id } userErrors { code } } }`,
    { i: { email, password: PASSWORD, name: email, organization: { name: email, kind: 'BRAND' } } },
  );
  expect(res.data?.signUp.userErrors).toEqual([]);
  return res.data?.signUp as { accessToken: string; user: { id: string; emailVerified: boolean } };
}

async function login(email: string, password: string) {
  const res = await s.gql(
    `mutation($i: LoginInput!) { login(input: $i) { accessToken userErrors { code } } }`,
    {
      i: { email, password },
    },
  );
  return res.data?.login as { accessToken: string | null; userErrors: { code: string }[] };
}

/** A signed-in request (an identity write): 200 without errors while the token is good, 401 once it is revoked. */
const touch = (token: string) =>
  s.gql(
    `mutation { updateOrganization(input: { description: "still here" }) { organization { id } userErrors { code } } }`,
    {},
    token,
  );

/** Sends the request until the router refuses the token; the time from `since` to that refusal (ms). */
async function refusedWithin(token: string, since: number): Promise<number> {
  for (;;) {
    const res = await touch(token);
    if (res.status === 401) return performance.now() - since;
    if (performance.now() - since > 3_000) throw new Error(`token still served: ${JSON.stringify(res)}`);
  }
}

describe('email verification through the router', () => {
  it('an API key needs the emailed link to have been followed', async () => {
    const owner = await signUp('verify@password-e2e.test');
    expect(owner.user.emailVerified).toBe(false);
    const CREATE_KEY = `mutation { createApiKey(input: { name: "app", scopes: [CATALOG_READ] }) { secret userErrors { code } } }`;
    const refused = await s.gql(CREATE_KEY, {}, owner.accessToken);
    expect(refused.data?.createApiKey).toEqual({
      secret: null,
      userErrors: [{ code: 'EMAIL_NOT_VERIFIED' }],
    });
    const token = await emailedToken('identity.email-verification.requested', owner.user.id);
    const verified = await s.gql(
      `mutation($i: VerifyEmailInput!) { verifyEmail(input: $i) { email userErrors { code } } }`,
      { i: { token } },
    );
    expect(verified.data?.verifyEmail).toEqual({ email: 'verify@password-e2e.test', userErrors: [] });
    const created = await s.gql(CREATE_KEY, {}, owner.accessToken);
    expect(created.data?.createApiKey.secret).toMatch(/^tgk_/);
  });
});

describe('old access tokens are refused within a second', () => {
  it('after changePassword: every earlier token (this session and others); the returned session works', async () => {
    const owner = await signUp('change@password-e2e.test');
    const elsewhere = await login('change@password-e2e.test', PASSWORD);
    for (const token of [owner.accessToken, elsewhere.accessToken!])
      expect((await touch(token)).errors).toBeUndefined();

    const res = await s.gql(
      `mutation($i: ChangePasswordInput!) { changePassword(input: $i) { accessToken refreshToken userErrors { code } } }`,
      { i: { currentPassword: PASSWORD, newPassword: 'another long password' } },
      owner.accessToken,
    );
    const since = performance.now();
    expect(res.data?.changePassword.userErrors).toEqual([]);
    latencies['changePassword (other session)'] = await refusedWithin(elsewhere.accessToken!, since);
    latencies['changePassword (same session)'] = await refusedWithin(owner.accessToken, since);
    expect(latencies['changePassword (other session)']).toBeLessThan(1_000);
    expect(latencies['changePassword (same session)']).toBeLessThan(1_000);

    const fresh = await touch(res.data?.changePassword.accessToken);
    expect(fresh.status).toBe(200);
    expect(fresh.errors).toBeUndefined();
    expect((await login('change@password-e2e.test', PASSWORD)).userErrors[0]?.code).toBe(
      'INVALID_CREDENTIALS',
    );
  });

  it('after resetPassword with the emailed link', async () => {
    const owner = await signUp('reset@password-e2e.test');
    expect((await touch(owner.accessToken)).errors).toBeUndefined();
    const asked = await s.gql(
      `mutation($i: RequestPasswordResetInput!) { requestPasswordReset(input: $i) { success userErrors { code } } }`,
      { i: { email: 'reset@password-e2e.test' } },
    );
    expect(asked.data?.requestPasswordReset).toEqual({ success: true, userErrors: [] });
    const token = await emailedToken('identity.password-reset.requested', owner.user.id);

    const res = await s.gql(
      `mutation($i: ResetPasswordInput!) { resetPassword(input: $i) { success userErrors { code } } }`,
      { i: { token, newPassword: 'a reset long password' } },
    );
    const since = performance.now();
    expect(res.data?.resetPassword).toEqual({ success: true, userErrors: [] });
    latencies.resetPassword = await refusedWithin(owner.accessToken, since);
    expect(latencies.resetPassword).toBeLessThan(1_000);

    const signedIn = await login('reset@password-e2e.test', 'a reset long password');
    expect((await touch(signedIn.accessToken!)).errors).toBeUndefined();
  });
});
