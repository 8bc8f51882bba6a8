import { LockMode, type RequiredEntityData } from '@mikro-orm/core';
import type { EntityManager } from '@tradegraph/shared';
import { Storefront } from '../entities/index.ts';
import type { StorefrontView } from './directory.ts';

/** Storefront rows of a retailer's tenant database (ORM only); the directory copy is store/directory.ts. */

/** A new storefront, flushed with the unit of work. */
export function insertStorefront(em: EntityManager, data: RequiredEntityData<Storefront>): Storefront {
  return em.create(Storefront, data);
}

/** The storefront, locked for update. */
export function lockStorefront(em: EntityManager, id: string): Promise<Storefront | null> {
  return em.findOne(Storefront, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

/** Writes the changes made to loaded storefronts now (before statements that read them). */
export function saveStorefronts(em: EntityManager): Promise<void> {
  return em.flush();
}

export function storefrontViewOf(s: Storefront, retailerId: string): StorefrontView {
  return {
    id: s.id,
    retailerId,
    slug: s.slug,
    name: s.name,
    description: s.description ?? null,
    currencyCode: s.currencyCode,
    defaultMarkupBp: s.defaultMarkupBp,
    published: s.published,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}
