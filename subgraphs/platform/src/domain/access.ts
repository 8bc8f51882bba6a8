import {
  forbidden,
  type Permission,
  type Principal,
  type ReadContext,
  read,
  type ServiceContext,
  type UnitSpec,
} from '@tradegraph/shared';

/** Platform staff: `platform:admin` acting for a PLATFORM organisation (identity grants it to its OWNER/ADMIN only). */
export const STAFF = {
  permission: 'platform:admin',
  tenant: 'service',
  kinds: ['PLATFORM'],
} as const satisfies UnitSpec;

export function isStaff(p: Principal): boolean {
  return (
    (p.kind === 'user' || p.kind === 'apiKey') &&
    p.organizationKind === 'PLATFORM' &&
    p.permissions.includes('platform:admin')
  );
}

/**
 * A read about one organisation: platform staff may name any (they need
 * `platform:admin`), everyone else reads their own organisation with
 * `permission` and is refused (FORBIDDEN) when they name another. `fn`
 * receives the organisation to read.
 */
export function readForOrganization<S, T>(
  ctx: ServiceContext<S>,
  permission: Permission,
  organizationId: string | null | undefined,
  fn: (rx: ReadContext<S>, organizationId: string) => Promise<T>,
): Promise<T> {
  if (isStaff(ctx.principal)) {
    return read(ctx, STAFF, (rx) => fn(rx, organizationId ?? ownOrganization(rx)));
  }
  return read(ctx, { permission, tenant: 'service' }, (rx) => {
    const own = ownOrganization(rx);
    if (organizationId && organizationId !== own)
      throw forbidden('Only platform staff can read another organisation');
    return fn(rx, own);
  });
}

function ownOrganization(rx: ReadContext<unknown>): string {
  if (!rx.actor) throw forbidden('You do not act for an organisation');
  return rx.actor.organizationId;
}
