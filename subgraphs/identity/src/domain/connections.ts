import {
  failWith,
  newId,
  notFound,
  type OrganizationKind,
  type PageArgs,
  pageArgs,
  requirePermission,
  toConnection,
} from '@tradegraph/shared';
import { type EventType, publish } from '@tradegraph/shared/events';
import { eventContext, type IdentityContext } from '../context.ts';
import { Organization, PartnerConnection } from '../entities/index.ts';
import {
  CONNECTION_SCOPES,
  type ConnectionScope,
  type ConnectionStatus,
} from '../entities/partner-connection.ts';

/**
 * Partner connections between organisations of different kinds. Scopes say what
 * the non-brand side may do with the brand's catalog (CATALOG_READ,
 * SELL_PRODUCTS for retailers, FULFILL_ORDERS for suppliers); between a
 * supplier and a retailer, FULFILL_ORDERS means the supplier fulfils the
 * retailer's orders. Either side may request; only the other side responds;
 * either side may revoke. At most one PENDING or ACTIVE connection per pair.
 */

const ALLOWED: Record<string, ConnectionScope[]> = {
  'BRAND:RETAILER': ['CATALOG_READ', 'SELL_PRODUCTS'],
  'BRAND:SUPPLIER': ['CATALOG_READ', 'FULFILL_ORDERS'],
  'RETAILER:SUPPLIER': ['FULFILL_ORDERS'],
};

function pairKind(a: OrganizationKind, b: OrganizationKind): string {
  return [a, b].sort().join(':');
}

/** Validates and normalises scopes for a pair of kinds; selling or fulfilling a brand's products implies reading its catalog. */
export function normaliseScopes(
  a: OrganizationKind,
  b: OrganizationKind,
  scopes: unknown,
): ConnectionScope[] {
  const allowed = ALLOWED[pairKind(a, b)];
  if (!allowed) failWith('INCOMPATIBLE_PARTNER', `A ${a} cannot connect to a ${b}`, 'partnerId');
  if (!Array.isArray(scopes) || scopes.length === 0)
    failWith('SCOPES_REQUIRED', 'Choose at least one scope', 'scopes');
  const set = new Set<ConnectionScope>();
  for (const s of scopes as unknown[]) {
    if (!CONNECTION_SCOPES.includes(s as ConnectionScope) || !allowed!.includes(s as ConnectionScope)) {
      failWith(
        'INVALID_SCOPE',
        `Scope ${String(s)} is not available between a ${a} and a ${b} (allowed: ${allowed!.join(', ')})`,
        'scopes',
      );
    }
    set.add(s as ConnectionScope);
  }
  if (allowed!.includes('CATALOG_READ') && (set.has('SELL_PRODUCTS') || set.has('FULFILL_ORDERS')))
    set.add('CATALOG_READ');
  return CONNECTION_SCOPES.filter((s) => set.has(s));
}

const pairKey = (a: string, b: string) => [a, b].sort().join('|');

async function emit(
  ctx: IdentityContext,
  type: Extract<EventType, `identity.connection.${string}`>,
  c: PartnerConnection,
  extra: Record<string, unknown> = {},
) {
  const [requester, partner] = await Promise.all([
    ctx.em.findOneOrFail(Organization, { id: c.requesterId }),
    ctx.em.findOneOrFail(Organization, { id: c.partnerId }),
  ]);
  const base = {
    connectionId: c.id,
    requesterId: c.requesterId,
    requesterKind: requester.kind,
    partnerId: c.partnerId,
    partnerKind: partner.kind,
    scopes: c.scopes,
    status: c.status,
  };
  // One event per side's tenant is not needed: consumers key on both ids in the payload.
  publish(ctx.em, eventContext(ctx), type, {
    aggregateId: c.id,
    orgId: c.requesterId,
    payload: { ...base, ...extra } as never,
  });
}

export async function requestConnection(
  ctx: IdentityContext,
  input: { partnerId: string; scopes: ConnectionScope[]; message?: string | null },
) {
  const me = requirePermission(ctx.principal, 'connections:manage');
  const partnerId = String(input.partnerId ?? '');
  if (partnerId === me.organizationId)
    failWith('SELF_CONNECTION', 'An organisation cannot connect to itself', 'partnerId');
  const partner = partnerId.startsWith('org_') ? await ctx.em.findOne(Organization, { id: partnerId }) : null;
  if (!partner || partner.status !== 'ACTIVE')
    return failWith('PARTNER_NOT_FOUND', 'No such organisation', 'partnerId');
  const scopes = normaliseScopes(me.organizationKind, partner.kind, input.scopes);
  if (input.message && input.message.length > 1000)
    failWith('TOO_LONG', 'Message must be at most 1000 characters', 'message');
  const key = pairKey(me.organizationId, partner.id);
  if (await ctx.em.count(PartnerConnection, { pairKey: key })) {
    failWith(
      'ALREADY_CONNECTED',
      'A pending or active connection with this partner already exists',
      'partnerId',
    );
  }
  const now = new Date();
  const c = ctx.em.create(PartnerConnection, {
    id: newId('con'),
    requesterId: me.organizationId,
    partnerId: partner.id,
    pairKey: key,
    scopes,
    status: 'PENDING',
    requestedByUserId: ctx.principal.kind === 'user' ? ctx.principal.userId : null,
    respondedByUserId: null,
    message: input.message ?? null,
    respondedAt: null,
    revokedAt: null,
    createdAt: now,
    updatedAt: now,
  });
  await emit(ctx, 'identity.connection.requested', c);
  return c;
}

/** A connection the acting organisation is a party to, or NOT_FOUND (never another tenant's). */
async function ownConnection(ctx: IdentityContext, id: string, organizationId: string) {
  const c =
    typeof id === 'string' && id.startsWith('con_') ? await ctx.em.findOne(PartnerConnection, { id }) : null;
  if (!c || (c.requesterId !== organizationId && c.partnerId !== organizationId))
    throw notFound('Connection');
  return c;
}

export async function respondToConnection(
  ctx: IdentityContext,
  input: { connectionId: string; accept: boolean },
) {
  const me = requirePermission(ctx.principal, 'connections:manage');
  const c = await ownConnection(ctx, input.connectionId, me.organizationId);
  if (c.partnerId !== me.organizationId)
    failWith('NOT_RECIPIENT', 'Only the invited partner can respond', 'connectionId');
  if (c.status !== 'PENDING') failWith('NOT_PENDING', `This connection is ${c.status}`, 'connectionId');
  const now = new Date();
  c.status = input.accept ? 'ACTIVE' : 'DECLINED';
  if (!input.accept) c.pairKey = null;
  c.respondedAt = now;
  c.respondedByUserId = ctx.principal.kind === 'user' ? ctx.principal.userId : null;
  c.updatedAt = now;
  await emit(ctx, input.accept ? 'identity.connection.accepted' : 'identity.connection.declined', c);
  return c;
}

/** Ends an ACTIVE connection, or withdraws a PENDING request (either side). */
export async function revokeConnection(ctx: IdentityContext, input: { connectionId: string }) {
  const me = requirePermission(ctx.principal, 'connections:manage');
  const c = await ownConnection(ctx, input.connectionId, me.organizationId);
  if (c.status !== 'ACTIVE' && c.status !== 'PENDING')
    failWith('NOT_OPEN', `This connection is already ${c.status}`, 'connectionId');
  const now = new Date();
  c.status = 'REVOKED';
  c.pairKey = null;
  c.revokedAt = now;
  c.updatedAt = now;
  await emit(ctx, 'identity.connection.revoked', c, { revokedByOrganizationId: me.organizationId });
  return c;
}

export async function findConnection(ctx: IdentityContext, id: string) {
  const me = requirePermission(ctx.principal, 'connections:read');
  try {
    return await ownConnection(ctx, id, me.organizationId);
  } catch {
    return null;
  }
}

export async function listConnections(
  ctx: IdentityContext,
  filter: { status?: ConnectionStatus | null; direction?: 'INCOMING' | 'OUTGOING' | null } | null | undefined,
  args: PageArgs,
) {
  const me = requirePermission(ctx.principal, 'connections:read');
  const page = pageArgs<string>(args);
  const sides =
    filter?.direction === 'INCOMING'
      ? [{ partnerId: me.organizationId }]
      : filter?.direction === 'OUTGOING'
        ? [{ requesterId: me.organizationId }]
        : [{ requesterId: me.organizationId }, { partnerId: me.organizationId }];
  const where: Record<string, unknown> = { $or: sides };
  if (filter?.status) where.status = filter.status;
  const rows = await ctx.em.find(
    PartnerConnection,
    page.after ? { $and: [where, { id: { $lt: page.after } }] } : where,
    { orderBy: { id: 'desc' }, limit: page.limit },
  );
  return toConnection(
    rows,
    page,
    (c) => c.id,
    () => ctx.em.count(PartnerConnection, where),
  );
}
