import type { EntityManager } from '@tradegraph/shared';
import { OrganizationProjection } from '../entities/index.ts';

/** An organisation as identity's latest applied event described it. */
export interface OrganizationState {
  id: string;
  name: string;
  eventAt: Date;
}

export function findOrganization(em: EntityManager, id: string): Promise<OrganizationProjection | null> {
  return em.findOne(OrganizationProjection, { id });
}

export function findOrganizations(
  em: EntityManager,
  ids: readonly string[],
): Promise<OrganizationProjection[]> {
  return em.find(OrganizationProjection, { id: { $in: [...ids] } });
}

/** Writes the projection row (inserted or replaced; flushed with the handler's transaction). */
export function saveOrganization(
  em: EntityManager,
  stored: OrganizationProjection | null,
  state: OrganizationState,
): void {
  const values = { name: state.name, eventAt: state.eventAt, updatedAt: new Date() };
  if (stored) em.assign(stored, values);
  else em.create(OrganizationProjection, { id: state.id, ...values });
}
