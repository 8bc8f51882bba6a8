import {
  type AccessTokenClaims,
  CLIENT_IP_HEADER,
  graphqlRequest,
  INTERNAL_TOKEN_HEADER,
  type Principal,
  principalFromAccessClaims,
} from '@tradegraph/shared';
import { ANONYMOUS, startHarness as startServiceHarness } from '@tradegraph/testing';
import { decodeJwt } from 'jose';
import { start } from '../src/service.ts';

/**
 * Identity's test harness on @tradegraph/testing: the identity service on a
 * fresh database, plus what only identity tests need: calling with an access
 * token identity issued (as the router would verify it) and signing up.
 */

/** The principal the router would derive from this access token. */
export function principalOf(accessToken: string): Principal {
  const claims: AccessTokenClaims = decodeJwt<AccessTokenClaims>(accessToken);
  return principalFromAccessClaims(claims);
}

/** Boots identity on a fresh database (see @tradegraph/testing) with identity's own helpers. */
export async function startHarness(env: Record<string, string> = {}) {
  const h = await startServiceHarness({ name: 'identity', start, env });
  /** The server's root (JWKS, health, metrics, introspection). */
  const base = h.service.url.replace('/graphql', '');

  /** Calls as a principal, or as the holder of an access token identity issued. */
  const call = (query: string, variables: Record<string, unknown> = {}, as: Principal | string = ANONYMOUS) =>
    h.call(query, variables, typeof as === 'string' ? principalOf(as) : as);

  /** The newest verification token mailed to the account (from identity's outbox). */
  const verificationToken = async (userId: string): Promise<string> => {
    const sent = await h.outbox('identity.email-verification.requested', userId);
    const token = sent.at(-1)?.payload.token;
    if (typeof token !== 'string') throw new Error(`no verification email for ${userId}`);
    return token;
  };

  /** Follows the account's newest verification link. */
  const verifyEmail = async (userId: string) => {
    const res = await call(
      `mutation($i: VerifyEmailInput!) { verifyEmail(input: $i) { email userErrors { code } } }`,
      { i: { token: await verificationToken(userId) } },
    );
    if (!res.data?.verifyEmail?.email) throw new Error(`verifyEmail failed: ${JSON.stringify(res)}`);
  };

  /**
   * A new member and organisation of `kind` with the member as OWNER, signed
   * in, with the email verified (as its owner would, by the emailed link)
   * unless `verified` is false.
   */
  const signUp = async (
    email: string,
    kind: 'BRAND' | 'SUPPLIER' | 'RETAILER',
    orgName = `${kind} ${email}`,
    { verified = true }: { verified?: boolean } = {},
  ) => {
    const res = await call(
      `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken refreshToken expiresAt user { id email } organization { id kind } userErrors { field message code } } }`,
      {
        i: {
          email,
          password: 'correct horse battery',
          name: 'Test User',
          organization: { name: orgName, kind },
        },
      },
    );
    const p = res.data?.signUp;
    if (!p?.accessToken) throw new Error(`signUp failed: ${JSON.stringify(res)}`);
    if (verified) await verifyEmail(p.user.id);
    return p as {
      accessToken: string;
      refreshToken: string;
      user: { id: string };
      organization: { id: string; kind: string };
    };
  };

  /** Calls as the router would for a client at `ip` (the router sets CLIENT_IP_HEADER). */
  const callFrom = async (
    ip: string,
    query: string,
    variables: Record<string, unknown> = {},
    as: Principal | string = ANONYMOUS,
  ) =>
    graphqlRequest(h.service.url, query, variables, {
      headers: {
        [INTERNAL_TOKEN_HEADER]: await h.keys.sign('identity', typeof as === 'string' ? principalOf(as) : as),
        [CLIENT_IP_HEADER]: ip,
      },
    });

  /** GET of an internal route as the router (e.g. the revocation feed). */
  const internalGet = async (path: string) => {
    const res = await fetch(`${base}${path}`, {
      headers: { [INTERNAL_TOKEN_HEADER]: await h.keys.sign('identity', { kind: 'router' }) },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  return { ...h, base, call, callFrom, internalGet, signUp, verificationToken, verifyEmail, principalOf };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;
