import { type EntityManager, placeholders, qualified, rows, utcDate } from '@tradegraph/shared';

/**
 * The storefront directory: one row per storefront in the service database
 * (slug → storefront, retailer, header fields, published), written in the same
 * transaction as the tenant's storefront row. It makes slugs globally unique
 * and answers `storefront(slug:)` and `Organization.storefronts` without
 * touching a tenant database.
 *
 * Slug lookups are cached in memory for STOREFRONT_CACHE_TTL_MS (5 s by
 * default), including misses; every write in this process evicts the slug at
 * once, other processes see the change within the TTL.
 */

export interface StorefrontView {
  id: string;
  retailerId: string;
  slug: string;
  name: string;
  description: string | null;
  currencyCode: string;
  defaultMarkupBp: number;
  published: boolean;
  createdAt: Date;
  updatedAt: Date;
}

interface DirectoryRow {
  slug: string;
  storefront_id: string;
  retailer_id: string;
  name: string;
  description: string | null;
  currency_code: string;
  default_markup_bp: number;
  published: number | boolean;
  created_at: Date | string;
  updated_at: Date | string;
}

const COLUMNS =
  'slug, storefront_id, retailer_id, name, description, currency_code, default_markup_bp, published, created_at, updated_at';

export function toStorefrontView(r: DirectoryRow): StorefrontView {
  return {
    id: r.storefront_id,
    retailerId: r.retailer_id,
    slug: r.slug,
    name: r.name,
    description: r.description,
    currencyCode: r.currency_code,
    defaultMarkupBp: Number(r.default_markup_bp),
    published: Boolean(Number(r.published)),
    createdAt: utcDate(r.created_at),
    updatedAt: utcDate(r.updated_at),
  };
}

const MAX_ENTRIES = 10_000;

export class StorefrontDirectory {
  readonly #table: string;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, { view: StorefrontView | null; expires: number }>();
  /** Bumped by every eviction: a lookup that overlapped one does not fill the cache. */
  #evictions = 0;

  constructor(serviceDb: string, ttlMs: number) {
    this.#table = qualified(serviceDb, 'storefront_directory');
    this.#ttlMs = ttlMs;
  }

  get table(): string {
    return this.#table;
  }

  async bySlug(em: EntityManager, slug: string): Promise<StorefrontView | null> {
    const now = Date.now();
    const hit = this.#cache.get(slug);
    if (hit && hit.expires > now) return hit.view;
    const generation = this.#evictions;
    const [row] = await rows<DirectoryRow>(em, `select ${COLUMNS} from ${this.#table} where slug = ?`, [
      slug,
    ]);
    const view = row ? toStorefrontView(row) : null;
    // A write evicted meanwhile: what was read may predate its commit, and
    // caching it would hide the write from the writer's next request.
    if (this.#ttlMs > 0 && generation === this.#evictions) {
      if (this.#cache.size >= MAX_ENTRIES) this.#cache.clear();
      this.#cache.set(slug, { view, expires: now + this.#ttlMs });
    }
    return view;
  }

  async byIds(em: EntityManager, ids: readonly string[]): Promise<StorefrontView[]> {
    if (!ids.length) return [];
    const found = await rows<DirectoryRow>(
      em,
      `select ${COLUMNS} from ${this.#table} where storefront_id in (${placeholders(ids.length)})`,
      [...ids],
    );
    return found.map(toStorefrontView);
  }

  async byRetailers(
    em: EntityManager,
    retailerIds: readonly string[],
    includeUnpublishedOf: ReadonlySet<string>,
  ): Promise<StorefrontView[]> {
    if (!retailerIds.length) return [];
    const found = await rows<DirectoryRow>(
      em,
      `select ${COLUMNS} from ${this.#table} where retailer_id in (${placeholders(retailerIds.length)})
       order by created_at, storefront_id`,
      [...retailerIds],
    );
    return found.map(toStorefrontView).filter((s) => s.published || includeUnpublishedOf.has(s.retailerId));
  }

  /** A page of one retailer's storefronts (keyset on created_at, id). */
  async page(
    em: EntityManager,
    retailerId: string,
    after: [string, string] | null,
    limit: number,
  ): Promise<StorefrontView[]> {
    const params: unknown[] = [retailerId];
    let where = 'retailer_id = ?';
    if (after) {
      where += ' and (created_at > ? or (created_at = ? and storefront_id > ?))';
      const at = new Date(after[0]);
      params.push(at, at, after[1]);
    }
    const found = await rows<DirectoryRow>(
      em,
      `select ${COLUMNS} from ${this.#table} where ${where} order by created_at, storefront_id limit ${Number(limit)}`,
      params,
    );
    return found.map(toStorefrontView);
  }

  async countOf(em: EntityManager, retailerId: string): Promise<number> {
    const [r] = await rows<{ n: number }>(
      em,
      `select count(*) as n from ${this.#table} where retailer_id = ?`,
      [retailerId],
    );
    return Number(r?.n ?? 0);
  }

  /** Whether another storefront than `exceptId` holds the slug (the unique key decides a race). */
  async slugTaken(em: EntityManager, slug: string, exceptId?: string): Promise<boolean> {
    const [row] = await rows<{ storefront_id: string }>(
      em,
      `select storefront_id from ${this.#table} where slug = ?`,
      [slug],
    );
    return !!row && row.storefront_id !== exceptId;
  }

  /** The directory row of a new storefront, in the storefront's transaction. */
  async insert(em: EntityManager, s: StorefrontView): Promise<void> {
    await em.execute(
      `insert into ${this.#table}
       (slug, storefront_id, retailer_id, name, description, currency_code, default_markup_bp, published, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        s.slug,
        s.id,
        s.retailerId,
        s.name,
        s.description,
        s.currencyCode,
        s.defaultMarkupBp,
        s.published ? 1 : 0,
        s.createdAt,
        s.updatedAt,
      ],
    );
  }

  /** The directory row after a change of the storefront, in the storefront's transaction. */
  async update(em: EntityManager, s: StorefrontView): Promise<void> {
    await em.execute(
      `update ${this.#table}
       set slug = ?, name = ?, description = ?, default_markup_bp = ?, published = ?, updated_at = ?
       where storefront_id = ?`,
      [s.slug, s.name, s.description, s.defaultMarkupBp, s.published ? 1 : 0, s.updatedAt, s.id],
    );
  }

  evict(...slugs: string[]): void {
    this.#evictions++;
    for (const s of slugs) this.#cache.delete(s);
  }
}
