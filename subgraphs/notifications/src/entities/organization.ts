import { defineEntity, p } from '@mikro-orm/core';

/**
 * What this subgraph knows of an organisation, projected from identity's
 * events. `eventAt` is the time of the event it reflects (see `supersedes`).
 */
export const OrganizationProjection = defineEntity({
  name: 'OrganizationProjection',
  tableName: 'organizations',
  properties: {
    id: p.string().primary(),
    name: p.string(),
    eventAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type OrganizationProjection = InstanceType<typeof OrganizationProjection.class>;
