import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../src/stack.ts';

/**
 * Issue 12, "no lockout by strangers, no enumeration", through the router: the
 * client address the router sees (one trusted proxy appending X-Forwarded-For)
 * reaches identity's login throttling; registrations and invitation previews
 * say nothing about whether an email is registered.
 */

let s: Stack;
const PASSWORD = 'a long enough password';
const LOGIN = `mutation($i: LoginInput!) { login(input: $i) { accessToken userErrors { code } } }`;
const from = (ip: string) => ({ 'x-forwarded-for': ip });

beforeAll(async () => {
  // Per-IP rate limits off: this test is about identity's throttling behind them.
  s = await startStack({ ROUTER_TRUSTED_PROXY_HOPS: '1', ROUTER_RATE_LIMIT: 'false' });
  const res = await s.gql(
    `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken userErrors { code } } }`,
    {
      i: {
        email: 'owner@acct.test',
        password: PASSWORD,
        name: 'O',
        organization: { name: 'Acct', kind: 'BRAND' },
      },
    },
  );
  expect(res.data?.signUp.userErrors).toEqual([]);
});
afterAll(async () => s?.stop());

describe('a stranger cannot lock an owner out', () => {
  it('the owner signs in from their address while a stranger hammers the account from another', async () => {
    for (let i = 0; i < 10; i++) {
      await s.gql(
        LOGIN,
        { i: { email: 'owner@acct.test', password: 'not the password' } },
        undefined,
        from('203.0.113.66'),
      );
    }
    const stranger = await s.gql(
      LOGIN,
      { i: { email: 'owner@acct.test', password: PASSWORD } },
      undefined,
      from('203.0.113.66'),
    );
    expect(stranger.data?.login.userErrors).toEqual([{ code: 'TOO_MANY_ATTEMPTS' }]);
    const owner = await s.gql(
      LOGIN,
      { i: { email: 'owner@acct.test', password: PASSWORD } },
      undefined,
      from('198.51.100.7'),
    );
    expect(owner.data?.login.userErrors).toEqual([]);
    expect(owner.data?.login.accessToken).toEqual(expect.any(String));
  });
});

describe('enumeration attempts learn nothing', () => {
  const SIGN_UP = `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken refreshToken expiresAt user { id } organization { id } userErrors { code } } }`;
  const signUp = (email: string) =>
    s.gql(SIGN_UP, {
      i: { email, password: PASSWORD, name: 'X', organization: { name: 'X', kind: 'RETAILER' } },
    });

  it('sign-up and shopper registration answer a taken email like a success without a session', async () => {
    const taken = await signUp('owner@acct.test');
    expect(taken.status).toBe(200);
    expect(taken.data?.signUp).toEqual({
      accessToken: null,
      refreshToken: null,
      expiresAt: null,
      user: null,
      organization: null,
      userErrors: [],
    });
    const customer = await s.gql(
      `mutation { registerCustomer(input: { email: "owner@acct.test", password: "${PASSWORD}", name: "S" }) { accessToken userErrors { code } } }`,
    );
    expect(customer.data?.registerCustomer).toEqual({ accessToken: null, userErrors: [] });
    // Nothing usable came back, and the owner's password still works (nothing was changed).
    const owner = await s.gql(LOGIN, { i: { email: 'owner@acct.test', password: PASSWORD } });
    expect(owner.data?.login.userErrors).toEqual([]);
  });

  it('an inviter cannot learn from the invitation whether the email is registered', async () => {
    const inviter = await signUp('inviter@acct.test');
    const token = inviter.data?.signUp.accessToken as string;
    const PREVIEW = `query($t: String!) { invitation(token: $t) { accountExists } }`;
    const answers: boolean[] = [];
    for (const email of ['owner@acct.test', 'nobody@acct.test']) {
      const inv = await s.gql(
        `mutation($i: InviteMemberInput!) { inviteMember(input: $i) { invitation { token } userErrors { code } } }`,
        { i: { email, role: 'VIEWER' } },
        token,
      );
      const t = inv.data?.inviteMember.invitation.token;
      answers.push((await s.gql(PREVIEW, { t }, token)).data?.invitation.accountExists);
      answers.push((await s.gql(PREVIEW, { t })).data?.invitation.accountExists);
    }
    expect(answers).toEqual([false, false, false, false]);
  });
});
