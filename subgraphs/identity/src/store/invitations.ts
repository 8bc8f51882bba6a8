import type { RequiredEntityData } from '@mikro-orm/core';
import { type PageArgs, pageArgs, toConnection } from '@tradegraph/shared';
import { Invitation } from '../entities/index.ts';
import type { IdentityContext, IdentityRead, IdentityTx } from '../services.ts';

/** Invitations (ORM). Only a SHA-256 of each token is stored. */

export type InvitationValues = RequiredEntityData<Invitation>;

export function insertInvitation(tx: IdentityTx, values: InvitationValues): Invitation {
  return tx.em.create(Invitation, values);
}

/** Withdraws the organisation's pending invitations to this email. */
export async function revokePendingInvitations(
  tx: IdentityTx,
  organizationId: string,
  email: string,
  at: Date,
): Promise<void> {
  await tx.em.nativeUpdate(
    Invitation,
    { organizationId, email, status: 'PENDING' },
    { status: 'REVOKED', updatedAt: at },
  );
}

export function invitationByTokenHash(cx: IdentityContext, tokenHash: string): Promise<Invitation | null> {
  return cx.em.findOne(Invitation, { tokenHash });
}

/** The organisation's invitation with this id; null when it does not exist or is another organisation's. */
export function invitationOf(tx: IdentityTx, organizationId: string, id: string): Promise<Invitation | null> {
  return tx.em.findOne(Invitation, { id, organizationId });
}

/** The organisation's invitations (optionally of one status), newest first, cursor-paginated. */
export async function listInvitations(
  rx: IdentityRead,
  organizationId: string,
  status: string | null,
  args: PageArgs,
) {
  const page = pageArgs<[string, string]>(args);
  const where: Record<string, unknown> = { organizationId };
  if (status) where.status = status;
  const cursor = page.after
    ? {
        $or: [
          { createdAt: { $lt: new Date(page.after[0]) } },
          { createdAt: new Date(page.after[0]), id: { $lt: page.after[1] } },
        ],
      }
    : {};
  const rows = await rx.em.find(
    Invitation,
    { ...where, ...cursor },
    { orderBy: { createdAt: 'desc', id: 'desc' }, limit: page.limit },
  );
  return toConnection(
    rows,
    page,
    (i) => [i.createdAt.toISOString(), i.id] as [string, string],
    () => rx.em.count(Invitation, where),
  );
}
