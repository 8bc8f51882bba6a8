import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDRESS, errorCode, type Harness, startHarness } from './harness.ts';

let h: Harness;
let supplier: string;
beforeAll(async () => {
  h = await startHarness();
  supplier = h.orgId();
});
afterAll(async () => h?.stop());

const CREATE = `mutation($i: CreateWarehouseInput!) { createWarehouse(input: $i) {
  warehouse { id name code active address { name line1 line2 city region postalCode country } }
  userErrors { code field message } } }`;
const UPDATE = `mutation($i: UpdateWarehouseInput!) { updateWarehouse(input: $i) {
  warehouse { id name code active address { city country } } userErrors { code field message } } }`;

describe('warehouses', () => {
  it('creates a warehouse in the supplier tenant database, provisioning it on first write', async () => {
    const me = h.member(supplier, 'SUPPLIER');
    const res = await h.call(
      CREATE,
      { i: { name: '  Berlin Hub ', code: 'BER-1', address: { ...ADDRESS, country: 'de', line2: 'Tor 3' } } },
      me,
    );
    const w = res.data?.createWarehouse.warehouse;
    expect(res.data?.createWarehouse.userErrors).toEqual([]);
    expect(w).toMatchObject({
      name: 'Berlin Hub',
      code: 'BER-1',
      active: true,
      address: {
        name: 'Receiving',
        line1: 'Lagerstraße 1',
        line2: 'Tor 3',
        city: 'Berlin',
        country: 'DE',
        region: null,
      },
    });
    expect(w.id).toMatch(/^whs_[a-z0-9]{12}_/);
    const tenants = await h.sql('select kind from tenants where organization_id = ?', [supplier]);
    expect(tenants).toEqual([{ kind: 'SUPPLIER' }]);
    const rows = await h.sql('select name, code, country from warehouses', [], supplier);
    expect(rows).toEqual([{ name: 'Berlin Hub', code: 'BER-1', country: 'DE' }]);
  });

  it('rejects bad input with coded user errors and writes nothing', async () => {
    const me = h.member(supplier, 'SUPPLIER');
    const cases: [Record<string, unknown>, string, string[]][] = [
      [{ name: '', address: ADDRESS }, 'INVALID_NAME', ['name']],
      [{ name: 'x'.repeat(201), address: ADDRESS }, 'INVALID_NAME', ['name']],
      [{ name: 'W', code: 'has space', address: ADDRESS }, 'INVALID_CODE', ['code']],
      [{ name: 'W', address: { ...ADDRESS, country: 'Germany' } }, 'INVALID_ADDRESS', ['address', 'country']],
      [{ name: 'W', address: { ...ADDRESS, city: ' ' } }, 'INVALID_ADDRESS', ['address', 'city']],
      [
        { name: 'W', address: { ...ADDRESS, postalCode: '1'.repeat(21) } },
        'INVALID_ADDRESS',
        ['address', 'postalCode'],
      ],
      [{ name: 'W', code: 'ber-1', address: ADDRESS }, 'CODE_TAKEN', ['code']],
    ];
    for (const [input, code, field] of cases) {
      const res = await h.call(CREATE, { i: input }, me);
      expect(res.data?.createWarehouse.warehouse, code).toBeNull();
      expect(res.data?.createWarehouse.userErrors[0]).toMatchObject({ code, field });
    }
    expect(await h.sql('select count(*) n from warehouses', [], supplier)).toEqual([{ n: 1 }]);
  });

  it('requires a supplier with inventory:write', async () => {
    const viewer = h.member(supplier, 'SUPPLIER', ['inventory:read']);
    const brand = h.member(h.orgId(), 'BRAND');
    const input = { i: { name: 'W', address: ADDRESS } };
    expect(errorCode(await h.call(CREATE, input, viewer))).toBe('FORBIDDEN');
    expect(errorCode(await h.call(CREATE, input, brand))).toBe('FORBIDDEN');
    expect(errorCode(await h.call(CREATE, input))).toBe('UNAUTHENTICATED');
    expect(errorCode(await h.call(CREATE, input, { kind: 'customer', customerId: 'cus_1' }))).toBe(
      'FORBIDDEN',
    );
    const brandTenant = await h.sql('select count(*) n from tenants where kind <> ?', ['SUPPLIER']);
    expect(brandTenant).toEqual([{ n: 0 }]);
  });

  it('updates, clears the code, deactivates, and keeps codes unique', async () => {
    const me = h.member(supplier, 'SUPPLIER');
    const second = await h.call(CREATE, { i: { name: 'Hamburg', code: 'HAM-1', address: ADDRESS } }, me);
    const id = second.data?.createWarehouse.warehouse.id;
    const taken = await h.call(UPDATE, { i: { id, code: 'BER-1' } }, me);
    expect(taken.data?.updateWarehouse.userErrors[0]).toMatchObject({ code: 'CODE_TAKEN', field: ['code'] });
    const res = await h.call(
      UPDATE,
      {
        i: { id, name: 'Hamburg Port', code: null, active: false, address: { ...ADDRESS, city: 'Hamburg' } },
      },
      me,
    );
    expect(res.data?.updateWarehouse).toEqual({
      warehouse: {
        id,
        name: 'Hamburg Port',
        code: null,
        active: false,
        address: { city: 'Hamburg', country: 'DE' },
      },
      userErrors: [],
    });
    const missing = await h.call(
      UPDATE,
      { i: { id: id.replace(/_[^_]+$/, '_01ZZZZZZZZZZZZZZZZZZZZZZZZ00000000'), name: 'X' } },
      me,
    );
    expect(errorCode(missing)).toBe('NOT_FOUND');
  });

  it('lists with filters and keyset pagination', async () => {
    const me = h.member(supplier, 'SUPPLIER', ['inventory:read']);
    for (let i = 0; i < 3; i++)
      await h.call(CREATE, { i: { name: `Extra ${i}`, address: ADDRESS } }, h.member(supplier, 'SUPPLIER'));
    const page1 = await h.call(
      `{ warehouses(first: 3) { totalCount nodes { name } pageInfo { hasNextPage endCursor } } }`,
      {},
      me,
    );
    expect(page1.data?.warehouses.totalCount).toBe(5);
    expect(page1.data?.warehouses.nodes.map((n: { name: string }) => n.name)).toEqual([
      'Berlin Hub',
      'Hamburg Port',
      'Extra 0',
    ]);
    const page2 = await h.call(
      `query($a: String) { warehouses(first: 3, after: $a) { nodes { name } pageInfo { hasNextPage } } }`,
      { a: page1.data?.warehouses.pageInfo.endCursor },
      me,
    );
    expect(page2.data?.warehouses).toEqual({
      nodes: [{ name: 'Extra 1' }, { name: 'Extra 2' }],
      pageInfo: { hasNextPage: false },
    });
    const inactive = await h.call(`{ warehouses(filter: { active: false }) { nodes { name } } }`, {}, me);
    expect(inactive.data?.warehouses.nodes).toEqual([{ name: 'Hamburg Port' }]);
    const tooMany = await h.call(`{ warehouses(first: 101) { totalCount } }`, {}, me);
    expect(errorCode(tooMany)).toBe('BAD_USER_INPUT');
  });

  it('shows Organization.warehouses only to the supplier itself', async () => {
    const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Organization { id warehouses { name } } } }`;
    const r = { r: [{ __typename: 'Organization', id: supplier }] };
    const own = await h.call(q, r, h.member(supplier, 'SUPPLIER', ['inventory:read']));
    expect(own.data?._entities[0].warehouses).toHaveLength(5);
    const other = await h.call(q, r, h.member(h.orgId(), 'RETAILER'));
    expect(other.data?._entities[0]).toEqual({ id: supplier, warehouses: [] });
    const anon = await h.call(q, r);
    expect(anon.data?._entities[0].warehouses).toEqual([]);
  });

  it('answers an empty list to a supplier that has no database yet', async () => {
    const fresh = h.orgId();
    const res = await h.call(`{ warehouses { totalCount nodes { id } } }`, {}, h.member(fresh, 'SUPPLIER'));
    expect(res.data?.warehouses).toEqual({ totalCount: 0, nodes: [] });
    expect(await h.sql('select count(*) n from tenants where organization_id = ?', [fresh])).toEqual([
      { n: 0 },
    ]);
  });
});
