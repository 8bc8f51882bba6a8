import type { RequiredEntityData } from '@mikro-orm/core';
import { type PageArgs, pageArgs, toConnection } from '@tradegraph/shared';
import { PartnerConnection } from '../entities/index.ts';
import type { ConnectionStatus } from '../entities/partner-connection.ts';
import type { IdentityContext, IdentityTx } from '../services.ts';

/** Partner connections (ORM). `pair_key` is set while a connection is open (PENDING or ACTIVE): one per pair. */

export type ConnectionValues = RequiredEntityData<PartnerConnection>;

export async function openConnectionExists(tx: IdentityTx, pairKey: string): Promise<boolean> {
  return (await tx.em.count(PartnerConnection, { pairKey })) > 0;
}

export function insertConnection(tx: IdentityTx, values: ConnectionValues): PartnerConnection {
  return tx.em.create(PartnerConnection, values);
}

export function connectionById(cx: IdentityContext, id: string): Promise<PartnerConnection | null> {
  return cx.em.findOne(PartnerConnection, { id });
}

/** Connections the organisation is a party to (on the given sides), newest first, cursor-paginated. */
export async function listConnectionsOf(
  cx: IdentityContext,
  organizationId: string,
  filter: { status: ConnectionStatus | null; direction: 'INCOMING' | 'OUTGOING' | null },
  args: PageArgs,
) {
  const page = pageArgs<string>(args);
  const sides =
    filter.direction === 'INCOMING'
      ? [{ partnerId: organizationId }]
      : filter.direction === 'OUTGOING'
        ? [{ requesterId: organizationId }]
        : [{ requesterId: organizationId }, { partnerId: organizationId }];
  const where: Record<string, unknown> = { $or: sides };
  if (filter.status) where.status = filter.status;
  const rows = await cx.em.find(
    PartnerConnection,
    page.after ? { $and: [where, { id: { $lt: page.after } }] } : where,
    { orderBy: { id: 'desc' }, limit: page.limit },
  );
  return toConnection(
    rows,
    page,
    (c) => c.id,
    () => cx.em.count(PartnerConnection, where),
  );
}
