import { LockMode, type RequiredEntityData } from '@mikro-orm/core';
import { type PageArgs, pageArgs, toConnection } from '@tradegraph/shared';
import { LoginAttempt, Membership, User } from '../entities/index.ts';
import type { IdentityContext, IdentityRead, IdentityTx } from '../services.ts';

/** Users, memberships and the failed-login windows (ORM and SQL). */

export type UserValues = RequiredEntityData<User>;
export type MembershipValues = RequiredEntityData<Membership>;

export async function emailTaken(cx: IdentityContext, email: string): Promise<boolean> {
  return (await cx.em.count(User, { email })) > 0;
}

export function userByEmail(tx: IdentityTx, email: string): Promise<User | null> {
  return tx.em.findOne(User, { email });
}

export function userById(tx: IdentityTx, id: string): Promise<User | null> {
  return tx.em.findOne(User, { id });
}

/**
 * The user with this email, share-locked (LOCK IN SHARE MODE): a sign-in
 * waits for a password change or reset in progress and checks the new hash,
 * so no token is issued from the old password after its revocation.
 */
export function userByEmailForSignIn(tx: IdentityTx, email: string): Promise<User | null> {
  return tx.em.findOne(User, { email }, { lockMode: LockMode.PESSIMISTIC_READ });
}

/** The user, locked for the rest of the transaction (FOR UPDATE): password and email changes. */
export function lockUser(tx: IdentityTx, id: string): Promise<User | null> {
  return tx.em.findOne(User, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

export function insertUser(tx: IdentityTx, values: UserValues): User {
  return tx.em.create(User, values);
}

export function insertMembership(tx: IdentityTx, values: MembershipValues): Membership {
  return tx.em.create(Membership, values);
}

/**
 * The user's memberships, oldest first (the first is the default acting
 * organisation), share-locked: a role change or removal waits until the token
 * signed from them is issued, so its revocation is later than that token.
 */
export function membershipsByUser(tx: IdentityTx, userId: string): Promise<Membership[]> {
  return tx.em.find(
    Membership,
    { userId },
    { orderBy: { createdAt: 'asc', id: 'asc' }, lockMode: LockMode.PESSIMISTIC_READ },
  );
}

export async function isMember(tx: IdentityTx, organizationId: string, userId: string): Promise<boolean> {
  return (await tx.em.count(Membership, { organizationId, userId })) > 0;
}

/**
 * The organisation's membership with this id, locked for the rest of the
 * transaction (FOR UPDATE); null when it does not exist or is another organisation's.
 */
export function lockMembershipOf(
  tx: IdentityTx,
  organizationId: string,
  id: string,
): Promise<Membership | null> {
  return tx.em.findOne(Membership, { id, organizationId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

export function countOwners(tx: IdentityTx, organizationId: string): Promise<number> {
  return tx.em.count(Membership, { organizationId, role: 'OWNER' });
}

export function deleteMembership(tx: IdentityTx, m: Membership): void {
  tx.em.remove(m);
}

/** Members of an organisation, oldest first, cursor-paginated. */
export async function listMemberships(rx: IdentityRead, organizationId: string, args: PageArgs) {
  const page = pageArgs<[string, string]>(args);
  const after = page.after;
  const where = { organizationId };
  const cursor = after
    ? {
        $or: [
          { createdAt: { $gt: new Date(after[0]) } },
          { createdAt: new Date(after[0]), id: { $gt: after[1] } },
        ],
      }
    : {};
  const rows = await rx.em.find(
    Membership,
    { ...where, ...cursor },
    { orderBy: { createdAt: 'asc', id: 'asc' }, limit: page.limit },
  );
  return toConnection(
    rows,
    page,
    (m) => [m.createdAt.toISOString(), m.id] as [string, string],
    () => rx.em.count(Membership, where),
  );
}

/** Memberships of users, batched per request, oldest first. */
export function membershipsOfUser(ctx: IdentityContext, userId: string): Promise<Membership[]> {
  return ctx.loaders
    .get<string, Membership[]>('membershipsByUser', async (userIds) => {
      const rows = await ctx.em.find(
        Membership,
        { userId: { $in: [...userIds] } },
        { orderBy: { createdAt: 'asc', id: 'asc' } },
      );
      return userIds.map((id) => rows.filter((m) => m.userId === id));
    })
    .load(userId);
}

export function userLoader(ctx: IdentityContext) {
  return ctx.loaders.get<string, User | null>('userById', async (ids) => {
    const rows = await ctx.em.find(User, { id: { $in: [...ids] } });
    return ids.map((id) => rows.find((u) => u.id === id) ?? null);
  });
}

/** The failed-login windows of these login subjects (hashed keys); those with none are absent. */
export function loginAttempts(tx: IdentityTx, subjectHashes: string[]): Promise<LoginAttempt[]> {
  return tx.em.find(LoginAttempt, { subjectHash: { $in: subjectHashes } });
}

/**
 * Counts one failed login of the subject in its window (a window older than
 * `windowStart` starts again at 1). From `freeFailures` on, the subject waits
 * `delaySeconds`, doubled by each further failure, at most `maxDelaySeconds`.
 */
export async function recordLoginFailure(
  tx: IdentityTx,
  subjectHash: string,
  at: { now: Date; windowStart: Date; freeFailures: number; delaySeconds: number; maxDelaySeconds: number },
): Promise<void> {
  // One upsert, so concurrent failures all count. MySQL applies the assignments
  // left to right, so `failures` in the last one is already the new count.
  const firstLock = at.freeFailures <= 1 ? new Date(at.now.getTime() + at.delaySeconds * 1000) : null;
  await tx.em.execute(
    `insert into login_attempts (subject_hash, failures, window_started_at, locked_until) values (?, 1, ?, ?)
     on duplicate key update
       failures = if(window_started_at < ?, 1, failures + 1),
       window_started_at = if(window_started_at < ?, values(window_started_at), window_started_at),
       locked_until = if(failures >= ?,
         date_add(?, interval least(? * pow(2, least(failures - ?, 20)), ?) second),
         null)`,
    [
      subjectHash,
      at.now,
      firstLock,
      at.windowStart,
      at.windowStart,
      at.freeFailures,
      at.now,
      at.delaySeconds,
      at.freeFailures,
      at.maxDelaySeconds,
    ],
  );
}

export async function clearLoginFailures(tx: IdentityTx, subjectHash: string): Promise<void> {
  await tx.em.nativeDelete(LoginAttempt, { subjectHash });
}
