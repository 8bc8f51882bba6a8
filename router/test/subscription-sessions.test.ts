import type { Principal } from '@tradegraph/shared';
import { createLogger } from '@tradegraph/shared';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { AuthenticationError } from '../src/auth/errors.ts';
import { RevocationList } from '../src/auth/revocations.ts';
import { SESSION_EXPIRED, SESSION_REVOKED, SessionRegistry, scopeOf } from '../src/subscriptions/sessions.ts';

const logger = createLogger('test', 'silent');
const key = new TextEncoder().encode('test-only-secret-of-32-bytes-long!');

/** A token the fake authenticator accepts: only its claims matter to the registry. */
async function token(sub: string, expSeconds: number, sid = 'ses_1') {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ typ: 'user', org: 'org_1', sid, iat_ms: Date.now() })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + expSeconds)
    .sign(key);
}

const principalOf = (userId: string): Principal => ({
  kind: 'user',
  userId,
  organizationId: 'org_1',
  organizationKind: 'RETAILER',
  role: 'OWNER',
  permissions: ['orders:read'],
});

async function fakeAuthenticate(authorization: string | undefined): Promise<Principal> {
  if (!authorization) return { kind: 'anonymous' };
  const t = authorization.slice('Bearer '.length);
  if (t === 'bad') throw new AuthenticationError('Invalid access token');
  const sub = JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()).sub as string;
  return principalOf(sub);
}

describe('subscription sessions', () => {
  it('end with a clear error when the access token expires', async () => {
    const sessions = new SessionRegistry(fakeAuthenticate, undefined, logger);
    const session = await sessions.open(`Bearer ${await token('usr_1', 1)}`, 'r');
    const ended = new Promise<string>((resolve) => session.onEnd.add((e) => resolve(e.message)));
    expect(await ended).toBe(SESSION_EXPIRED);
    expect(session.ended?.extensions.code).toBe('UNAUTHENTICATED');
  });

  it('a refresh with a token of the same user keeps the session; another user is refused', async () => {
    const sessions = new SessionRegistry(fakeAuthenticate, undefined, logger);
    const session = await sessions.open(`Bearer ${await token('usr_1', 1)}`, 'r');
    await sessions.refresh(session, `Bearer ${await token('usr_1', 600)}`, 'r');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(session.ended).toBeUndefined();
    expect(session.expiresAt).toBeGreaterThan(Date.now() + 500_000);
    await expect(sessions.refresh(session, `Bearer ${await token('usr_2', 600)}`, 'r')).rejects.toThrow(
      /same user/,
    );
    await expect(sessions.refresh(session, 'Bearer bad', 'r')).rejects.toThrow(AuthenticationError);
    sessions.close(session);
  });

  it('end when identity revokes the session', async () => {
    const revocations = new RevocationList();
    const sessions = new SessionRegistry(fakeAuthenticate, revocations, logger);
    const session = await sessions.open(`Bearer ${await token('usr_1', 600, 'ses_9')}`, 'r');
    const other = await sessions.open(`Bearer ${await token('usr_2', 600, 'ses_8')}`, 'r');
    revocations.add({
      id: 'rev_1',
      userId: null,
      organizationId: null,
      sessionId: 'ses_9',
      apiKeyId: null,
      notBefore: Date.now() + 1,
    });
    expect(session.ended?.message).toBe(SESSION_REVOKED);
    expect(other.ended).toBeUndefined();
    sessions.close(other);
  });

  it('share upstream subscriptions by scope: same organisation and permissions, not the same person', () => {
    expect(scopeOf(principalOf('usr_1'))).toBe(scopeOf(principalOf('usr_2')));
    expect(scopeOf({ kind: 'customer', customerId: 'cus_1' })).not.toBe(
      scopeOf({ kind: 'customer', customerId: 'cus_2' }),
    );
  });
});
