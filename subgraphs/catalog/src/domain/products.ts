import { isOwnId, newId, notFound, recordCacheInvalidations, requireOwnId } from '@tradegraph/shared';
import type { Product, ProductOptionValue, Variant } from '../entities/index.ts';
import { productChanged } from '../events/publish.ts';
import type { BrandTx } from '../services.ts';
import {
  categoryExists,
  deleteVariant,
  insertProduct,
  insertVariant,
  liveVariantsOf,
  lockProduct as lockProductRow,
  variantsOf,
  variantsUsing,
} from '../store/products.ts';
import { save } from '../store/save.ts';
import { fail, Problems } from './errors.ts';
import { type ProductNode, productFromEntity } from './nodes.ts';
import {
  LIMITS,
  longText,
  matchVariantOptions,
  sortKeyOf,
  text,
  validateAttributes,
  validateGtin,
  validateMedia,
  validateMoney,
  validateOptions,
  validateSku,
} from './validation.ts';

/**
 * Products of a brand and their variants. Every change runs in one
 * transaction on the brand's database and publishes `catalog.product.changed`
 * (the full snapshot) to the outbox in the same transaction. Rules:
 * - status DRAFT → ACTIVE (publishProduct, needs a live variant) → ARCHIVED
 *   (archiveProduct); an archived product can be published again;
 * - options: up to 3, each with 1..100 values; every live variant has exactly
 *   one value of each option, and no two live variants of a product share a
 *   combination;
 * - SKU unique per brand (case-insensitive, also against archived variants),
 *   GTIN optional with a valid GS1 check digit and unique per brand;
 * - removing a variant deletes it while the product has not been published yet,
 *   otherwise archives it (it stays resolvable by id for history, keeps its SKU);
 * - an ACTIVE product keeps at least one live variant.
 */

export interface VariantInput {
  sku: string;
  gtin?: string | null;
  options?: { name: string; value: string }[] | null;
  msrp?: { amount: string; currencyCode: string } | null;
}

export interface CreateProductInput {
  name: string;
  description?: string | null;
  categoryId?: string | null;
  options?: { name: string; values: string[] }[] | null;
  variants?: VariantInput[] | null;
  attributes?: { name: string; type: string; value: string }[] | null;
  media?: { url: string; altText?: string | null; position?: number | null }[] | null;
}

export interface UpdateVariantInput {
  id: string;
  sku?: string | null;
  gtin?: string | null;
  options?: { name: string; value: string }[] | null;
  msrp?: { amount: string; currencyCode: string } | null;
}

export interface UpdateProductInput extends Partial<Omit<CreateProductInput, 'variants' | 'name'>> {
  id: string;
  name?: string | null;
  addVariants?: VariantInput[] | null;
  updateVariants?: UpdateVariantInput[] | null;
  removeVariantIds?: string[] | null;
}

/** A variant as it will be after the change (existing or new), for holistic validation. */
interface Draft {
  entity: Variant | null;
  field: (string | number)[];
  sku: string | null;
  gtin: string | null;
  optionsInput: unknown;
  /** True when options come from the stored variant (not given in this input). */
  storedOptions: boolean;
  msrp: { minor: string; currency: string } | null | undefined;
}

async function checkCategory(ctx: BrandTx, problems: Problems, categoryId: unknown) {
  if (categoryId === null || categoryId === undefined) return null;
  if (isOwnId(ctx.tenant, categoryId, 'cat') && (await categoryExists(ctx, categoryId))) {
    return categoryId;
  }
  problems.add('CATEGORY_NOT_FOUND', 'No such category', ['categoryId']);
  return null;
}

function draftOf(problems: Problems, v: VariantInput, field: (string | number)[]): Draft {
  return {
    entity: null,
    field,
    sku: validateSku(problems, v?.sku, [...field, 'sku']),
    gtin: validateGtin(problems, v?.gtin, [...field, 'gtin']),
    optionsInput: v?.options ?? [],
    storedOptions: false,
    msrp: validateMoney(problems, v?.msrp, [...field, 'msrp']),
  };
}

/**
 * Validates the live variants of a product as they will be: options match,
 * combinations, SKUs and GTINs unique (among themselves and in the brand's
 * database). Returns the canonical options and combination key per draft.
 */
async function validateVariants(
  ctx: BrandTx,
  problems: Problems,
  productOptions: ProductOptionValue[],
  drafts: Draft[],
  /** Variants deleted by this change (their SKUs and GTINs become free). */
  freed: Set<string> = new Set(),
) {
  const matched = drafts.map((d) => {
    if (d.storedOptions) {
      const scratch = new Problems();
      const m = matchVariantOptions(scratch, productOptions, d.optionsInput, d.field);
      if (!m) {
        problems.add(
          'OPTION_IN_USE',
          `Variant ${d.entity?.sku} does not match the new options: give it new option values (updateVariants) or remove it`,
          ['options'],
        );
      }
      return m;
    }
    return matchVariantOptions(problems, productOptions, d.optionsInput, [...d.field, 'options']);
  });
  const skus = new Map<string, Draft>();
  const gtins = new Map<string, Draft>();
  const combos = new Map<string, Draft>();
  drafts.forEach((d, i) => {
    if (d.sku) {
      const k = d.sku.toLowerCase();
      if (skus.has(k)) problems.add('DUPLICATE_SKU', `SKU ${d.sku} is given twice`, [...d.field, 'sku']);
      else skus.set(k, d);
    }
    if (d.gtin) {
      if (gtins.has(d.gtin))
        problems.add('DUPLICATE_GTIN', `GTIN ${d.gtin} is given twice`, [...d.field, 'gtin']);
      else gtins.set(d.gtin, d);
    }
    const m = matched[i];
    if (m) {
      if (combos.has(m.key)) {
        problems.add(
          'DUPLICATE_OPTIONS',
          `Two variants have the same options (${m.options.map((o) => `${o.name}: ${o.value}`).join(', ') || 'none'})`,
          [...d.field, 'options'],
        );
      } else combos.set(m.key, d);
    }
  });
  // SKUs and GTINs must be unique in the brand, archived variants and other products included.
  const skuList = drafts.filter((d) => d.sku && d.sku !== d.entity?.sku).map((d) => d.sku!);
  const gtinList = drafts.filter((d) => d.gtin && d.gtin !== d.entity?.gtin).map((d) => d.gtin!);
  if (skuList.length || gtinList.length) {
    const taken = await variantsUsing(ctx, skuList, gtinList);
    const ownIds = new Set([...freed, ...drafts.map((d) => d.entity?.id).filter(Boolean)]);
    for (const t of taken) {
      if (ownIds.has(t.id)) continue;
      const bySku = skus.get(t.sku.toLowerCase());
      if (bySku && bySku.entity?.id !== t.id && skuList.includes(bySku.sku!))
        problems.add('DUPLICATE_SKU', `SKU ${bySku.sku} is already used by another variant of this brand`, [
          ...bySku.field,
          'sku',
        ]);
      const byGtin = t.gtin ? gtins.get(t.gtin) : undefined;
      if (byGtin && byGtin.entity?.id !== t.id && gtinList.includes(byGtin.gtin!))
        problems.add(
          'DUPLICATE_GTIN',
          `GTIN ${byGtin.gtin} is already used by another variant of this brand`,
          [...byGtin.field, 'gtin'],
        );
    }
  }
  return matched;
}

/** The product's snapshot into the outbox of this transaction. */
function publishSnapshot(ctx: BrandTx, product: Product, live: Variant[]) {
  ctx.publish('catalog.product.changed', {
    aggregateId: product.id,
    payload: productChanged(ctx.tenant.organizationId, product, live),
  });
}

export async function createProduct(ctx: BrandTx, input: CreateProductInput): Promise<ProductNode> {
  const problems = new Problems();
  const name = text(problems, input.name, ['name'], LIMITS.name, 'Name');
  const description = longText(problems, input.description, ['description'], LIMITS.description);
  const options = validateOptions(problems, input.options);
  const attributes = validateAttributes(problems, input.attributes);
  const media = validateMedia(problems, input.media);
  const rawVariants = input.variants ?? [];
  if (!Array.isArray(rawVariants) || rawVariants.length > LIMITS.variants)
    problems.add('TOO_MANY_VARIANTS', `A product has at most ${LIMITS.variants} variants`, ['variants']);
  const drafts = (Array.isArray(rawVariants) ? rawVariants.slice(0, LIMITS.variants) : []).map((v, i) =>
    draftOf(problems, v, ['variants', i]),
  );
  const categoryId = await checkCategory(ctx, problems, input.categoryId);
  const matched = await validateVariants(ctx, problems, options, drafts);
  problems.throwIfAny();

  const now = new Date();
  const key = ctx.tenant.tenantKey;
  const product = insertProduct(ctx, {
    id: newId('prd', key),
    name: name!,
    sortName: sortKeyOf(name!),
    description,
    status: 'DRAFT',
    categoryId,
    options,
    attributes,
    media,
    createdAt: now,
    updatedAt: now,
    publishedAt: null,
    archivedAt: null,
  });
  const variants = drafts.map((d, i) =>
    insertVariant(ctx, {
      id: newId('var', key),
      productId: product.id,
      sku: d.sku!,
      gtin: d.gtin,
      options: matched[i]!.options,
      optionKey: matched[i]!.key,
      msrpMinor: d.msrp?.minor ?? null,
      msrpCurrency: d.msrp?.currency ?? null,
      position: i,
      archivedAt: null,
      createdAt: now,
      updatedAt: now,
    }),
  );
  publishSnapshot(ctx, product, variants);
  await save(ctx);
  return productFromEntity(product, ctx.tenant.organizationId, 'OWNER');
}

/** The brand's product, locked for the transaction; NOT_FOUND for any other id. */
async function lockProduct(ctx: BrandTx, id: unknown): Promise<Product> {
  const product = await lockProductRow(ctx, requireOwnId(ctx.tenant, id, 'prd', 'Product'));
  if (!product) throw notFound('Product');
  return product;
}

export async function updateProduct(ctx: BrandTx, input: UpdateProductInput): Promise<ProductNode> {
  const product = await lockProduct(ctx, input.id);
  const problems = new Problems();
  const name =
    input.name !== undefined ? text(problems, input.name, ['name'], LIMITS.name, 'Name') : product.name;
  const description =
    input.description !== undefined
      ? longText(problems, input.description, ['description'], LIMITS.description)
      : product.description;
  const options = input.options !== undefined ? validateOptions(problems, input.options) : product.options;
  const attributes =
    input.attributes !== undefined ? validateAttributes(problems, input.attributes) : product.attributes;
  const media = input.media !== undefined ? validateMedia(problems, input.media) : product.media;
  const categoryId =
    input.categoryId !== undefined
      ? await checkCategory(ctx, problems, input.categoryId)
      : product.categoryId;

  const all = await variantsOf(ctx, product.id);
  const live = new Map(all.filter((v) => !v.archivedAt).map((v) => [v.id, v]));
  const removed = new Set<string>();
  (input.removeVariantIds ?? []).forEach((id, i) => {
    if (!live.has(id))
      problems.add('VARIANT_NOT_FOUND', 'No such variant of this product', ['removeVariantIds', i]);
    else removed.add(id);
  });
  const drafts = new Map<string, Draft>();
  for (const v of live.values()) {
    if (removed.has(v.id)) continue;
    drafts.set(v.id, {
      entity: v,
      field: ['options'],
      sku: v.sku,
      gtin: v.gtin ?? null,
      optionsInput: v.options,
      storedOptions: true,
      msrp: v.msrpMinor ? { minor: v.msrpMinor, currency: v.msrpCurrency! } : null,
    });
  }
  const updated = new Set<string>();
  (input.updateVariants ?? []).forEach((u, i) => {
    const field = ['updateVariants', i];
    if (updated.has(u?.id)) {
      problems.add('DUPLICATE_VARIANT', 'This variant is changed twice in one call', [...field, 'id']);
      return;
    }
    updated.add(u?.id);
    const d = drafts.get(u?.id);
    if (!d || removed.has(u.id)) {
      problems.add(
        'VARIANT_NOT_FOUND',
        removed.has(u?.id) ? 'This variant is also being removed' : 'No such variant of this product',
        [...field, 'id'],
      );
      return;
    }
    d.field = field;
    if (u.sku !== undefined) d.sku = validateSku(problems, u.sku, [...field, 'sku']);
    if (u.gtin !== undefined) d.gtin = validateGtin(problems, u.gtin, [...field, 'gtin']);
    if (u.msrp !== undefined) d.msrp = validateMoney(problems, u.msrp, [...field, 'msrp']);
    if (u.options !== undefined) {
      d.optionsInput = u.options ?? [];
      d.storedOptions = false;
    }
  });
  const added = (input.addVariants ?? []).map((v, i) => draftOf(problems, v, ['addVariants', i]));
  const finalDrafts = [...drafts.values(), ...added];
  if (finalDrafts.length > LIMITS.variants)
    problems.add('TOO_MANY_VARIANTS', `A product has at most ${LIMITS.variants} variants`, ['addVariants']);
  if (product.status === 'ACTIVE' && finalDrafts.length === 0)
    problems.add(
      'LAST_VARIANT',
      'An active product keeps at least one variant: archive the product instead',
      ['removeVariantIds'],
    );
  const matched = await validateVariants(
    ctx,
    problems,
    options,
    finalDrafts,
    product.publishedAt ? new Set() : removed,
  );
  problems.throwIfAny();

  const now = new Date();
  // 1. removals first, so their SKUs' combinations are free for the changes below
  for (const id of removed) {
    const v = live.get(id)!;
    if (product.publishedAt) {
      v.archivedAt = now;
      v.optionKey = null;
      v.updatedAt = now;
    } else {
      deleteVariant(ctx, v);
    }
  }
  await save(ctx);
  // 2. updates of existing variants
  let position = 0;
  finalDrafts.forEach((d, i) => {
    const m = matched[i]!;
    if (d.entity) {
      const v = d.entity;
      const changed =
        v.sku !== d.sku ||
        (v.gtin ?? null) !== d.gtin ||
        v.optionKey !== m.key ||
        JSON.stringify(v.options) !== JSON.stringify(m.options) ||
        (v.msrpMinor ?? null) !== (d.msrp?.minor ?? null) ||
        (v.msrpCurrency ?? null) !== (d.msrp?.currency ?? null) ||
        v.position !== position;
      if (changed) {
        v.sku = d.sku!;
        v.gtin = d.gtin;
        v.options = m.options;
        v.optionKey = m.key;
        v.msrpMinor = d.msrp?.minor ?? null;
        v.msrpCurrency = d.msrp?.currency ?? null;
        v.position = position;
        v.updatedAt = now;
      }
    }
    position++;
  });
  await save(ctx);
  // 3. new variants
  position = drafts.size;
  const created = added.map((d, j) => {
    const m = matched[drafts.size + j]!;
    return insertVariant(ctx, {
      id: newId('var', ctx.tenant.tenantKey),
      productId: product.id,
      sku: d.sku!,
      gtin: d.gtin,
      options: m.options,
      optionKey: m.key,
      msrpMinor: d.msrp?.minor ?? null,
      msrpCurrency: d.msrp?.currency ?? null,
      position: position++,
      archivedAt: null,
      createdAt: now,
      updatedAt: now,
    });
  });
  product.name = name!;
  product.sortName = sortKeyOf(name!);
  product.description = description ?? null;
  product.options = options;
  product.attributes = attributes;
  product.media = media;
  product.categoryId = categoryId ?? null;
  product.updatedAt = now;
  publishSnapshot(ctx, product, [
    ...finalDrafts.map((d) => d.entity).filter((v): v is Variant => !!v),
    ...created,
  ]);
  // removed variants are missing from the snapshot, so its cache rule cannot name them
  if (removed.size) recordCacheInvalidations(ctx.em, [{ type: 'ProductVariant', ids: [...removed] }]);
  await save(ctx);
  return productFromEntity(product, ctx.tenant.organizationId, 'OWNER');
}

/** DRAFT or ARCHIVED → ACTIVE; needs at least one live variant. */
export async function publishProduct(ctx: BrandTx, input: { id: string }): Promise<ProductNode> {
  const product = await lockProduct(ctx, input.id);
  if (product.status === 'ACTIVE') fail('ALREADY_ACTIVE', 'The product is already active', 'id');
  const live = await liveVariantsOf(ctx, product.id);
  if (live.length === 0) fail('NO_VARIANTS', 'Add at least one variant before publishing', 'id');
  const now = new Date();
  product.status = 'ACTIVE';
  product.publishedAt ??= now;
  product.archivedAt = null;
  product.updatedAt = now;
  publishSnapshot(ctx, product, live);
  await save(ctx);
  return productFromEntity(product, ctx.tenant.organizationId, 'OWNER');
}

/** DRAFT or ACTIVE → ARCHIVED: hidden from partners and shoppers, kept for the brand and for history. */
export async function archiveProduct(ctx: BrandTx, input: { id: string }): Promise<ProductNode> {
  const product = await lockProduct(ctx, input.id);
  if (product.status === 'ARCHIVED') fail('ALREADY_ARCHIVED', 'The product is already archived', 'id');
  const now = new Date();
  product.status = 'ARCHIVED';
  product.archivedAt = now;
  product.updatedAt = now;
  publishSnapshot(ctx, product, await liveVariantsOf(ctx, product.id));
  await save(ctx);
  return productFromEntity(product, ctx.tenant.organizationId, 'OWNER');
}
