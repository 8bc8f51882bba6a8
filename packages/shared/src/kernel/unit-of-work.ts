import {
  DeadlockException,
  LockWaitTimeoutException,
  OptimisticLockError,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { type OrganizationKind, type Permission, requirePermission } from '../auth/principal.ts';
import type { EntityManager } from '../db/orm.ts';
import type { TenantInfo } from '../db/tenancy.ts';
import type { EventType, PayloadOf } from '../events/catalogue.ts';
import type { EventEnvelope } from '../events/envelope.ts';
import { publish as writeToOutbox } from '../events/outbox.ts';
import { AppError, forbidden, UserErrors, userError } from '../graphql/errors.ts';
import { counter } from '../metrics.ts';
import { type Actor, onService, onTenant, registryOf, type ServiceContext } from './context.ts';

/**
 * The one unit of work of every subgraph (ARCHITECTURE §5): permission →
 * tenant from the principal → transaction → bounded retry → typed events into
 * the outbox → relay woken after commit. A resolver declares what an
 * operation needs; it never opens a transaction, picks a database or writes
 * the outbox itself.
 *
 *   const listing = await write(ctx, { permission: 'storefronts:write', tenant: 'own', kinds: ['RETAILER'] },
 *     (tx) => createListing(tx, input));
 */

/** Where a unit runs. */
export type UnitTenant =
  /** The acting organisation's own tenant database (provisioned on a first write). */
  | 'own'
  /** The service database. */
  | 'service'
  /** A tenant the domain already resolved and authorised (e.g. the retailer of a public cart). */
  | TenantInfo;

export interface UnitSpec {
  /**
   * The permission the principal must hold; 'public' for operations anyone may
   * call; 'system' for work the process does on its own (only `systemContext`,
   * whose principal is the router, may run it).
   */
  permission: Permission | 'public' | 'system';
  tenant: UnitTenant;
  /** Organisation kinds allowed to act (checked with the permission); any kind when omitted. */
  kinds?: readonly OrganizationKind[];
  /** Runs of the whole unit when it loses a lock or version race (default 3). */
  attempts?: number;
  /**
   * Unique keys whose violation is an expected outcome (a concurrent duplicate
   * the domain's checks could not see): key name → user error. The
   * transaction is rolled back and nothing is written.
   */
  uniqueKeys?: Readonly<Record<string, { code: string; message: string; field: string }>>;
}

/** The context inside a unit of work: `em` is the transaction's; events go to its outbox. */
export interface UnitContext<S = unknown> extends ServiceContext<S> {
  /** The acting organisation; null for 'public' units. */
  actor: Actor | null;
  /** Records a typed event in the outbox of this transaction (published after commit). */
  publish<T extends EventType>(
    type: T,
    event: { aggregateId: string; payload: PayloadOf<T>; orgId?: string | null },
  ): EventEnvelope<PayloadOf<T>>;
}

/** A read bound to the right database with the permission checked. */
export interface ReadContext<S = unknown> extends ServiceContext<S> {
  actor: Actor | null;
}

/**
 * Thrown by domain code when what it read moved under it (e.g. an
 * optimistic stock update matched no row): the unit runs again on a fresh
 * snapshot, within its attempts.
 */
export class RetryableConflict extends Error {
  override name = 'RetryableConflict';
}

function isRetryable(err: unknown): boolean {
  return (
    err instanceof DeadlockException ||
    err instanceof LockWaitTimeoutException ||
    err instanceof OptimisticLockError ||
    err instanceof RetryableConflict
  );
}

function actorOf(ctx: ServiceContext<unknown>, spec: Pick<UnitSpec, 'permission' | 'kinds'>): Actor | null {
  if (spec.permission === 'public') return null;
  if (spec.permission === 'system') {
    if (ctx.principal.kind !== 'router') throw forbidden();
    return null;
  }
  const actor = requirePermission(ctx.principal, spec.permission);
  if (spec.kinds && !spec.kinds.includes(actor.organizationKind)) {
    throw forbidden(`Only ${spec.kinds.map((k) => k.toLowerCase()).join(' or ')} organisations can do this`);
  }
  return actor;
}

async function ownTenant(ctx: ServiceContext<unknown>, actor: Actor | null, provision: boolean) {
  if (!actor) throw new Error("a unit on the 'own' tenant needs a permission (an acting organisation)");
  const registry = registryOf(ctx);
  return provision
    ? registry.ensure(actor.organizationId, actor.organizationKind)
    : registry.byOrganization(actor.organizationId);
}

const retried = counter(
  'tradegraph_unit_of_work_retries_total',
  'Units of work run again after a deadlock, lock wait timeout or optimistic conflict (by service).',
  ['service'],
);

/**
 * Runs `fn` in one transaction where the spec says, retrying lock and version
 * conflicts, with its events in the outbox of the same transaction (always
 * the service database's outbox; tenant and service databases share one
 * server, so both commit together). After the commit the request's loaders
 * are cleared (the rest of the request reads what was just written) and the
 * kernel's after-commit hook runs (relay woken; see consistency.ts).
 */
export async function write<S, T>(
  ctx: ServiceContext<S>,
  spec: UnitSpec,
  fn: (tx: UnitContext<S>) => Promise<T>,
): Promise<T> {
  const actor = actorOf(ctx, spec);
  const tenant = spec.tenant === 'own' ? await ownTenant(ctx, actor, true) : spec.tenant;
  const base = tenant === 'service' ? onService(ctx) : onTenant(ctx, tenant as TenantInfo);
  const attempts = spec.attempts ?? 3;
  const source = {
    source: ctx.kernel.name,
    requestId: ctx.requestId,
    ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
  };
  for (let attempt = 1; ; attempt++) {
    const eventIds: string[] = [];
    try {
      const result = await base.em.fork().transactional((em: EntityManager) => {
        const tx: UnitContext<S> = {
          ...base,
          em,
          actor,
          publish: (type, event) => {
            const envelope = writeToOutbox(em, source, type, {
              aggregateId: event.aggregateId,
              orgId:
                event.orgId === undefined
                  ? (base.tenant?.organizationId ?? actor?.organizationId ?? null)
                  : event.orgId,
              payload: event.payload,
            });
            eventIds.push(envelope.id);
            return envelope;
          },
        };
        return fn(tx);
      });
      ctx.loaders.clear();
      for (const fork of ctx.forks.values()) fork.clear();
      if (eventIds.length) await ctx.kernel.afterCommit(eventIds);
      return result;
    } catch (err) {
      ctx.loaders.clear();
      if (isRetryable(err)) {
        if (attempt < attempts) {
          ctx.logger.warn({ err, attempt }, `${ctx.kernel.name}: unit of work retried after a conflict`);
          retried.inc({ service: ctx.kernel.name });
          // a short random pause, so the contenders do not collide again in lockstep
          await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
          continue;
        }
        // still contended after every attempt: temporary, the client may retry
        throw new AppError('CONFLICT', 'The data changed concurrently; please retry');
      }
      throw mapUniqueViolation(err, spec.uniqueKeys);
    }
  }
}

function mapUniqueViolation(err: unknown, keys: UnitSpec['uniqueKeys']): unknown {
  if (!keys || !(err instanceof UniqueConstraintViolationException)) return err;
  const key = Object.keys(keys).find((k) => err.message.includes(k));
  if (!key) return err;
  const e = keys[key]!;
  return new UserErrors([userError(e.code, e.message, e.field)]);
}

/**
 * A read with the permission checked and `em` bound to the right database.
 * On the 'own' tenant, an organisation whose database does not exist yet has
 * nothing to read: `ifNoTenant` answers instead (never provisions on a read).
 */
export async function read<S, T>(
  ctx: ServiceContext<S>,
  spec: Pick<UnitSpec, 'permission' | 'tenant' | 'kinds'>,
  fn: (rx: ReadContext<S>) => Promise<T>,
  ifNoTenant?: () => T,
): Promise<T> {
  const actor = actorOf(ctx, spec);
  if (spec.tenant === 'service') return fn({ ...onService(ctx), actor });
  const tenant = spec.tenant === 'own' ? await ownTenant(ctx, actor, false) : spec.tenant;
  if (!tenant) {
    if (!ifNoTenant) throw new Error('read on a tenant that does not exist yet needs ifNoTenant');
    return ifNoTenant();
  }
  return fn({ ...onTenant(ctx, tenant), actor });
}
