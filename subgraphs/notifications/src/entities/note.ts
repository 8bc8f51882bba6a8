import { defineEntity, p } from '@mikro-orm/core';

/** A note of one organisation (service database; `organization_id` scopes every read). */
export const Note = defineEntity({
  name: 'Note',
  tableName: 'notes',
  properties: {
    id: p.string().primary(),
    organizationId: p.string(),
    title: p.string(),
    body: p.text(),
    createdAt: p.datetime(),
  },
});
export type Note = InstanceType<typeof Note.class>;
