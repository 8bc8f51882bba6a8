import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness } from './harness.ts';

let h: Awaited<ReturnType<typeof startHarness>>;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Organization { __typename id name slug kind description website country createdAt }
} }`;

describe('Organization references (what a storefront page asks identity for)', () => {
  it('resolves many references in one statement, with every field as stored, unknown and suspended ones null', async () => {
    const a = await h.signUp('owner@refs-a.test', 'BRAND', 'Refs Brand A');
    const b = await h.signUp('owner@refs-b.test', 'SUPPLIER', 'Refs Supplier B');
    const c = await h.signUp('owner@refs-c.test', 'RETAILER', 'Refs Retailer C');
    await h.sql(
      "update organizations set description = 'Outdoor gear', website = 'https://a.test', country = 'DE' where id = ?",
      [a.organization.id],
    );
    await h.sql("update organizations set status = 'SUSPENDED' where id = ?", [c.organization.id]);
    const [stored] = (await h.sql('select created_at from organizations where id = ?', [
      a.organization.id,
    ])) as { created_at: Date | string }[];
    const created = stored!.created_at;
    const createdAt = (
      created instanceof Date ? created : new Date(`${created.replace(' ', 'T')}Z`)
    ).toISOString();

    const ids = [a.organization.id, 'org_unknown', b.organization.id, c.organization.id, a.organization.id];
    const { res, sqlStatements } = await h.callCounted(ENTITIES, {
      r: ids.map((id) => ({ __typename: 'Organization', id })),
    });
    expect(res.errors).toBeUndefined();
    expect(sqlStatements).toBe(1);
    const orgA = {
      __typename: 'Organization',
      id: a.organization.id,
      name: 'Refs Brand A',
      slug: 'refs-brand-a',
      kind: 'BRAND',
      description: 'Outdoor gear',
      website: 'https://a.test',
      country: 'DE',
      createdAt,
    };
    expect(res.data?._entities).toEqual([
      orgA,
      null,
      expect.objectContaining({
        id: b.organization.id,
        name: 'Refs Supplier B',
        kind: 'SUPPLIER',
        description: null,
      }),
      // suspended: hidden from everyone but its own members and platform staff
      null,
      orgA,
    ]);
  });
});
