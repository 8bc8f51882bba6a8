import { afterAll, beforeAll, expect, it } from 'vitest';
import { start } from '../src/service.ts';
import { type Harness, startHarness } from './harness.ts';

/** A tenant database made by an older version gets the newer tenant migrations when the service starts. */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ RESERVATION_SWEEP_INTERVAL_MS: '0' });
});
afterAll(async () => h?.stop());

it('migrates every recorded tenant at start-up', async () => {
  const s = await h.sagaSupplier();
  // as if the tenant were made before tenant-0002 existed
  for (const table of [
    'fulfillment_groups',
    'fulfillment_group_lines',
    'fulfillment_reservations',
    'fulfillment_orders',
    'shipments',
    'shipment_lines',
  ])
    await h.sql(`drop table ${table}`, [], s.supplierId);
  await h.sql("delete from schema_migrations where name like '0002-%'", [], s.supplierId);

  const second = await start({
    ...Object.fromEntries(Object.entries(h.db).map(([k, v]) => [k, String(v)])),
    INTERNAL_TOKEN_PUBLIC_KEY: h.keys.publicKey,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    RESERVATION_SWEEP_INTERVAL_MS: '0',
  });
  try {
    const tables = (await h.sql('show tables', [], s.supplierId)).map((t) => Object.values(t)[0]);
    expect(tables).toEqual(expect.arrayContaining(['fulfillment_groups', 'shipments', 'shipment_lines']));
  } finally {
    await second.stop();
  }
});
