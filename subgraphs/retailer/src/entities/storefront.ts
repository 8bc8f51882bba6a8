import { defineEntity, p } from '@mikro-orm/core';

/** A retailer's shop (tenant database). Mirrored in the service database's `storefront_directory`. */
export const Storefront = defineEntity({
  name: 'Storefront',
  tableName: 'storefronts',
  schema: '*',
  properties: {
    id: p.string().primary(),
    name: p.string(),
    slug: p.string(),
    description: p.text().nullable(),
    currencyCode: p.string(),
    defaultMarkupBp: p.integer(),
    published: p.boolean(),
    publishedAt: p.datetime().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
});
export type Storefront = InstanceType<typeof Storefront.class>;
