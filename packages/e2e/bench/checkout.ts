/**
 * npm run bench:checkout — checkouts through the router at a fixed concurrency.
 *
 * Boots every subgraph and the router as separate processes (as `npm start`
 * does) on a throw-away database prefix, builds a small network through the
 * API (a brand, a supplier with plenty of stock, a retailer's storefront),
 * then runs BENCH_CONCURRENCY shoppers for BENCH_DURATION seconds. Each
 * shopper fills a cart (not measured), checks it out with `tok_visa` and
 * follows the order until it is CONFIRMED. Latency is checkout→CONFIRMED: from
 * the moment the checkout request leaves to the CONFIRMED entry of the order's
 * status history (the same clock); the hops between (checkout request,
 * supplier reservation, payment authorisation, confirmation) come from the
 * status history too, so the slowest hop is visible. Also printed: when the
 * polling shopper first saw CONFIRMED. Each hop is then split from the rows
 * the services wrote (outbox, dedupe rows, saga log): orders' relay, delivery
 * to the participant (log + consumer poll + partition queue), its handler,
 * its relay, and orders applying the reply. The last line is a one-line summary.
 *
 * Env: BENCH_DURATION (s, default 20), BENCH_CONCURRENCY (default 20),
 * BENCH_PORT_BASE (default 14600), BENCH_POLL_MS (default 20), DB_* as everywhere.
 */
import { loadavg } from 'node:os';
import { type DatabaseConfig, env, graphqlRequest, loadConfig } from '@tradegraph/shared';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { buildNetwork, cartWith, checkout, type Gql, NETWORK_IDENTITY_ENV } from '../src/network.ts';
import { type ProcessStack, startProcessStack } from '../src/process-stack.ts';

const cfg = loadConfig({
  BENCH_DURATION: env.int({ default: 20, min: 1, max: 600 }),
  BENCH_CONCURRENCY: env.int({ default: 20, min: 1, max: 500 }),
  BENCH_PORT_BASE: env.int({ default: 14600, min: 1024, max: 60000 }),
  BENCH_POLL_MS: env.int({ default: 20, min: 1, max: 1000 }),
});
const TARGET_P99_MS = 500;

const HISTORY = `query($id: ID!) { order(id: $id) { status statusReason statusHistory { status at } } }`;

interface Sample {
  orderId: string;
  /** checkout request sent → CONFIRMED in the status history. */
  total: number;
  /** checkout request sent → its response. */
  request: number;
  /** checkout request sent → CONFIRMED first seen by the polling shopper. */
  observed: number;
  /** hops from the status history: PENDING→STOCK_RESERVED, →PAYMENT_AUTHORIZED, →CONFIRMED. */
  reserve: number;
  authorize: number;
  confirm: number;
}

const pct = (xs: number[], p: number) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const fmt = (xs: number[]) =>
  `p50 ${pct(xs, 50).toFixed(0)} ms  p95 ${pct(xs, 95).toFixed(0)} ms  p99 ${pct(xs, 99).toFixed(0)} ms  max ${Math.max(0, ...xs).toFixed(0)} ms`;

/**
 * Where a saga hop's time goes, from the rows the services wrote: for each
 * command orders sent (reservation, authorisation) and the reply it got, the
 * command's outbox row (written, published by the relay), the participant's
 * dedupe row (its handler started), the reply's outbox row (written, published)
 * and orders' saga log (reply applied). Milliseconds, one list per segment.
 */
async function hopProfile(db: DatabaseConfig, orderIds: string[]) {
  const c = await createConnection({
    host: db.DB_HOST,
    port: db.DB_PORT,
    user: db.DB_USER,
    password: db.DB_PASSWORD,
  });
  const p = (name: string) => `\`${db.DB_PREFIX}${name}\``;
  const hops = [
    {
      name: 'reserve',
      participant: 'supplier',
      command: 'orders.reservation.requested',
      reply: 'supplier.fulfillment.reserved',
    },
    {
      name: 'authorize',
      participant: 'payments',
      command: 'orders.payment.authorization-requested',
      reply: 'payments.payment.authorized',
    },
  ];
  const out: Record<string, Record<string, number[]>> = {};
  try {
    for (const h of hops) {
      const [rows] = await c.query<RowDataPacket[]>(
        `select timestampdiff(microsecond, co.occurred_at, co.published_at) / 1000 relay_out,
                timestampdiff(microsecond, co.published_at, pe.processed_at) / 1000 delivery,
                timestampdiff(microsecond, pe.processed_at, ro.occurred_at) / 1000 handler,
                timestampdiff(microsecond, ro.occurred_at, ro.published_at) / 1000 relay_back,
                timestampdiff(microsecond, ro.published_at, li.at) / 1000 applied
           from ${p('orders')}.saga_log lo
           join ${p('orders')}.outbox co on co.event_id = lo.event_id
           join ${p(h.participant)}.processed_events pe on pe.event_id = lo.event_id and pe.consumer_group = ?
           join ${p('orders')}.saga_log li on li.order_id = lo.order_id and li.direction = 'IN' and li.event_type = ?
           join ${p(h.participant)}.outbox ro on ro.event_id = li.event_id
          where lo.direction = 'OUT' and lo.event_type = ? and lo.order_id in (?)`,
        [h.participant, h.reply, h.command, orderIds],
      );
      const seg: Record<string, number[]> = {};
      for (const r of rows)
        for (const [k, v] of Object.entries(r)) {
          seg[k] = seg[k] ?? [];
          seg[k].push(Number(v));
        }
      out[`${h.name} (${h.participant})`] = seg;
    }
  } finally {
    await c.end();
  }
  return out;
}

let stack: ProcessStack | undefined;
try {
  console.log('starting every subgraph and the router as separate processes…');
  stack = await startProcessStack({
    portBase: cfg.BENCH_PORT_BASE,
    subgraphEnv: { identity: NETWORK_IDENTITY_ENV },
  });
  const url = stack.routerUrl;
  const gql: Gql = (q, v = {}, t) => graphqlRequest(url, q, v, t ? { token: t } : {});
  console.log('building the network through the API…');
  const net = await buildNetwork(gql, 'bench', [1_000_000, 1_000_000, 1_000_000, 1_000_000]);

  const samples: Sample[] = [];
  const failures: string[] = [];
  let measuring = false;
  let stopAt = 0;

  const one = async (i: number): Promise<Sample> => {
    const item = net.items[i % net.items.length]!;
    const cartId = await cartWith(gql, net.slug, [{ listingId: item.listingId, quantity: 1 + (i % 3) }]);
    const sent = Date.now();
    const r = await checkout(gql, cartId, { idempotencyKey: `bench-${i}` });
    const answered = Date.now();
    if (!r.order) throw new Error(`checkout refused: ${JSON.stringify(r.userErrors)}`);
    for (;;) {
      const res = await gql(HISTORY, { id: r.order.id }, net.retailer.token);
      const o = res.data?.order as
        | { status: string; statusReason: string | null; statusHistory: { status: string; at: string }[] }
        | undefined;
      if (o && o.status !== 'PENDING' && o.status !== 'STOCK_RESERVED' && o.status !== 'PAYMENT_AUTHORIZED') {
        if (o.status !== 'CONFIRMED') throw new Error(`order ${r.order.id} ${o.status}: ${o.statusReason}`);
        const at = (s: string) => Date.parse(o.statusHistory.find((h) => h.status === s)!.at);
        return {
          orderId: r.order.id,
          total: at('CONFIRMED') - sent,
          request: answered - sent,
          observed: Date.now() - sent,
          reserve: at('STOCK_RESERVED') - at('PENDING'),
          authorize: at('PAYMENT_AUTHORIZED') - at('STOCK_RESERVED'),
          confirm: at('CONFIRMED') - at('PAYMENT_AUTHORIZED'),
        };
      }
      if (Date.now() - sent > 30_000) throw new Error(`order ${r.order.id} not confirmed in 30 s`);
      await new Promise((res) => setTimeout(res, cfg.BENCH_POLL_MS));
    }
  };

  let next = 0;
  const shopper = async () => {
    while (Date.now() < stopAt) {
      const i = next++;
      try {
        const s = await one(i);
        if (measuring) samples.push(s);
      } catch (err) {
        if (measuring) failures.push((err as Error).message);
      }
    }
  };

  // Warm-up (query plans, pools, JIT), then the measured run.
  console.log(`warming up (${cfg.BENCH_CONCURRENCY} shoppers, 5 s)…`);
  stopAt = Date.now() + 5_000;
  await Promise.all(Array.from({ length: cfg.BENCH_CONCURRENCY }, shopper));
  console.log(`measuring (${cfg.BENCH_CONCURRENCY} shoppers, ${cfg.BENCH_DURATION} s)…`);
  measuring = true;
  const cpuBefore = stack.cpuSeconds();
  const started = Date.now();
  stopAt = started + cfg.BENCH_DURATION * 1000;
  await Promise.all(Array.from({ length: cfg.BENCH_CONCURRENCY }, shopper));
  const elapsed = (Date.now() - started) / 1000;
  const cpuAfter = stack.cpuSeconds();

  const col = (k: Exclude<keyof Sample, 'orderId'>) => samples.map((s) => s[k]);
  const rate = samples.length / elapsed;
  console.log(
    `completed orders        ${samples.length} in ${elapsed.toFixed(1)} s = ${rate.toFixed(1)} orders/s`,
  );
  console.log(`checkout→CONFIRMED      ${fmt(col('total'))}`);
  console.log(`  checkout request      ${fmt(col('request'))}`);
  console.log(`  PENDING→RESERVED      ${fmt(col('reserve'))}   (supplier reservation)`);
  console.log(`  RESERVED→AUTHORIZED   ${fmt(col('authorize'))}   (payments authorisation)`);
  console.log(`  AUTHORIZED→CONFIRMED  ${fmt(col('confirm'))}`);
  console.log(`seen CONFIRMED (poll ${cfg.BENCH_POLL_MS} ms) ${fmt(col('observed'))}`);
  if (samples.length) {
    const profile = await hopProfile(
      stack.db,
      samples.map((x) => x.orderId),
    );
    for (const [hop, seg] of Object.entries(profile)) {
      console.log(`hop ${hop}:`);
      for (const [name, xs] of Object.entries(seg)) console.log(`    ${name.padEnd(18)} ${fmt(xs)}`);
    }
  }
  // Which process burns the CPU (the machine has 2 cores; load from anything else shows in loadavg).
  const cpu = Object.entries(cpuAfter)
    .map(([name, t]) => [name, t - (cpuBefore[name] ?? 0)] as const)
    .sort((a, b) => b[1] - a[1]);
  console.log(
    `CPU per completed order (ms): ${cpu.map(([n, t]) => `${n} ${((t * 1000) / Math.max(1, samples.length)).toFixed(1)}`).join(', ')}; load average ${loadavg()[0]!.toFixed(1)}`,
  );
  if (failures.length) console.log(`failures: ${failures.length}, e.g. ${failures.slice(0, 3).join(' | ')}`);
  const p99 = pct(col('total'), 99);
  console.log(
    `bench:checkout: ${rate.toFixed(1)} orders/s at ${cfg.BENCH_CONCURRENCY} concurrent; checkout→CONFIRMED p50 ${pct(col('total'), 50).toFixed(0)} ms, p95 ${pct(col('total'), 95).toFixed(0)} ms, p99 ${p99.toFixed(0)} ms (target < ${TARGET_P99_MS} ms: ${samples.length && p99 < TARGET_P99_MS ? 'met' : 'MISSED'}); ${samples.length} orders, ${failures.length} failures`,
  );
} catch (err) {
  console.error(`bench:checkout failed: ${(err as Error).stack ?? err}`);
  process.exitCode = 1;
} finally {
  await stack?.stop();
}
