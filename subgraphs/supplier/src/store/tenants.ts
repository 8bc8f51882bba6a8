import { type EntityManager, Tenant } from '@tradegraph/shared';

/** Every supplier tenant database this service has recorded (for start-up migration). */
export async function recordedTenants(em: EntityManager) {
  const found = await em.find(Tenant, {}, { orderBy: { organizationId: 'asc' } });
  return found.map((t) => ({ organizationId: t.organizationId, kind: t.kind }));
}
