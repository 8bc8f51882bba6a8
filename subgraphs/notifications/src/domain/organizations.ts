import { type EntityManager, type ServiceContext, supersedes } from '@tradegraph/shared';
import {
  findOrganization,
  findOrganizations,
  type OrganizationState,
  saveOrganization,
} from '../store/organizations.ts';

/**
 * Applies an organisation's state from identity's events, unless the stored
 * row already reflects a newer event (events of one organisation arrive in
 * order, but a replay can bring an older one later).
 */
export async function applyOrganization(em: EntityManager, state: OrganizationState): Promise<void> {
  const stored = await findOrganization(em, state.id);
  if (!supersedes(stored, state.eventAt)) return;
  saveOrganization(em, stored, state);
}

/** The organisation's name as last announced by identity; null until its event has arrived. Batched per request. */
export async function organizationName(ctx: ServiceContext<unknown>, id: string): Promise<string | null> {
  const loader = ctx.loaders.get<string, string | null>('organization-names', async (ids) => {
    const names = new Map((await findOrganizations(ctx.em, ids)).map((o) => [o.id, o.name]));
    return ids.map((i) => names.get(i) ?? null);
  });
  return loader.load(id);
}
