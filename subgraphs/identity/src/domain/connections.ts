import type { ConnectionEventType } from '@tradegraph/contracts';
import { newId, notFound, type OrganizationKind } from '@tradegraph/shared';
import type { PartnerConnection } from '../entities/index.ts';
import { CONNECTION_SCOPES, type ConnectionScope } from '../entities/partner-connection.ts';
import { connectionState } from '../events/publish.ts';
import type { IdentityContext, IdentityTx } from '../services.ts';
import { connectionById, insertConnection, openConnectionExists } from '../store/connections.ts';
import { organizationById } from '../store/organizations.ts';
import { requireCurrentMember, requireVerifiedEmail } from './access.ts';
import { fail } from './errors.ts';

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
  const allowed =
    ALLOWED[pairKind(a, b)] ?? fail('INCOMPATIBLE_PARTNER', `A ${a} cannot connect to a ${b}`, 'partnerId');
  if (!Array.isArray(scopes) || scopes.length === 0)
    return fail('SCOPES_REQUIRED', 'Choose at least one scope', 'scopes');
  const set = new Set<ConnectionScope>();
  for (const s of scopes as unknown[]) {
    if (!CONNECTION_SCOPES.includes(s as ConnectionScope) || !allowed.includes(s as ConnectionScope)) {
      fail(
        'INVALID_SCOPE',
        `Scope ${String(s)} is not available between a ${a} and a ${b} (allowed: ${allowed.join(', ')})`,
        'scopes',
      );
    }
    set.add(s as ConnectionScope);
  }
  if (allowed.includes('CATALOG_READ') && (set.has('SELL_PRODUCTS') || set.has('FULFILL_ORDERS')))
    set.add('CATALOG_READ');
  return CONNECTION_SCOPES.filter((s) => set.has(s));
}

/** The key of an unordered pair of organisations (at most one open connection per pair). */
export const pairKey = (a: string, b: string) => [a, b].sort().join('|');

/** Publishes the connection's whole state; consumers key on both ids in the payload. */
async function publishConnection(
  tx: IdentityTx,
  type: Exclude<ConnectionEventType, 'identity.connection.revoked'>,
  c: PartnerConnection,
): Promise<void> {
  tx.publish(type, { aggregateId: c.id, orgId: c.requesterId, payload: await stateOf(tx, c) });
}

async function stateOf(tx: IdentityTx, c: PartnerConnection) {
  const [requester, partner] = await Promise.all([
    organizationById(tx, c.requesterId),
    organizationById(tx, c.partnerId),
  ]);
  if (!requester || !partner) throw new Error(`an organisation of connection ${c.id} does not exist`);
  return connectionState(c, { requester: requester.kind, partner: partner.kind });
}

export async function requestConnection(
  tx: IdentityTx,
  input: { partnerId: string; scopes: ConnectionScope[]; message?: string | null },
): Promise<PartnerConnection> {
  const me = await requireCurrentMember(tx, 'connections:manage');
  const partnerId = String(input.partnerId ?? '');
  if (partnerId === me.organizationId)
    fail('SELF_CONNECTION', 'An organisation cannot connect to itself', 'partnerId');
  const partner = partnerId.startsWith('org_') ? await organizationById(tx, partnerId) : null;
  if (partner?.status !== 'ACTIVE') return fail('PARTNER_NOT_FOUND', 'No such organisation', 'partnerId');
  const scopes = normaliseScopes(me.organizationKind, partner.kind, input.scopes);
  if (input.message && input.message.length > 1000)
    fail('TOO_LONG', 'Message must be at most 1000 characters', 'message');
  const key = pairKey(me.organizationId, partner.id);
  if (await openConnectionExists(tx, key)) {
    fail('ALREADY_CONNECTED', 'A pending or active connection with this partner already exists', 'partnerId');
  }
  const now = new Date();
  const c = insertConnection(tx, {
    id: newId('con'),
    requesterId: me.organizationId,
    partnerId: partner.id,
    pairKey: key,
    scopes,
    status: 'PENDING',
    requestedByUserId: me.userId,
    respondedByUserId: null,
    message: input.message ?? null,
    respondedAt: null,
    revokedAt: null,
    createdAt: now,
    updatedAt: now,
  });
  await publishConnection(tx, 'identity.connection.requested', c);
  return c;
}

/** A connection the organisation is a party to; null for anything else (never another tenant's). */
export async function connectionOfParty(
  cx: IdentityContext,
  id: unknown,
  organizationId: string,
): Promise<PartnerConnection | null> {
  const c = typeof id === 'string' && id.startsWith('con_') ? await connectionById(cx, id) : null;
  if (!c || (c.requesterId !== organizationId && c.partnerId !== organizationId)) return null;
  return c;
}

async function ownConnection(
  tx: IdentityTx,
  id: string,
  me: { organizationId: string },
): Promise<PartnerConnection> {
  const c = await connectionOfParty(tx, id, me.organizationId);
  if (!c) throw notFound('Connection');
  return c;
}

export async function respondToConnection(
  tx: IdentityTx,
  input: { connectionId: string; accept: boolean },
): Promise<PartnerConnection> {
  const me = await requireCurrentMember(tx, 'connections:manage');
  const c = await ownConnection(tx, input.connectionId, me);
  if (c.partnerId !== me.organizationId)
    fail('NOT_RECIPIENT', 'Only the invited partner can respond', 'connectionId');
  if (c.status !== 'PENDING') fail('NOT_PENDING', `This connection is ${c.status}`, 'connectionId');
  if (input.accept) requireVerifiedEmail(me);
  const now = new Date();
  c.status = input.accept ? 'ACTIVE' : 'DECLINED';
  if (!input.accept) c.pairKey = null;
  c.respondedAt = now;
  c.respondedByUserId = me.userId;
  c.updatedAt = now;
  await publishConnection(
    tx,
    input.accept ? 'identity.connection.accepted' : 'identity.connection.declined',
    c,
  );
  return c;
}

/** Ends an ACTIVE connection, or withdraws a PENDING request (either side). */
export async function revokeConnection(
  tx: IdentityTx,
  input: { connectionId: string },
): Promise<PartnerConnection> {
  const me = await requireCurrentMember(tx, 'connections:manage');
  const c = await ownConnection(tx, input.connectionId, me);
  if (c.status !== 'ACTIVE' && c.status !== 'PENDING')
    fail('NOT_OPEN', `This connection is already ${c.status}`, 'connectionId');
  const now = new Date();
  c.status = 'REVOKED';
  c.pairKey = null;
  c.revokedAt = now;
  c.updatedAt = now;
  tx.publish('identity.connection.revoked', {
    aggregateId: c.id,
    orgId: c.requesterId,
    payload: { ...(await stateOf(tx, c)), revokedByOrganizationId: me.organizationId },
  });
  return c;
}
