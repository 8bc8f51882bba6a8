/** The operator CLI (`npm run events -- …`), run as a real process against a real event log. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orm } from '../../src/db/orm.ts';
import { createEnvelope, type EventBus, type EventEnvelope } from '../../src/events/index.ts';
import { dbConfig, dropDatabases, openBus, openServiceDb, testEnv, testPrefix, waitFor } from './helpers.ts';

const prefix = testPrefix();
const CLI = fileURLToPath(new URL('../../src/events/cli.ts', import.meta.url));
let bus: EventBus;
let orm: Orm;
let poison: EventEnvelope;

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const db = dbConfig(prefix);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        env: {
          ...process.env,
          ...testEnv,
          DB_HOST: db.DB_HOST,
          DB_PORT: String(db.DB_PORT),
          DB_USER: db.DB_USER,
          DB_PASSWORD: db.DB_PASSWORD,
          DB_PREFIX: prefix,
          KAFKA_BROKERS: '',
          LOG_LEVEL: 'error',
        },
        timeout: 20_000,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  orm = await openServiceDb(prefix);
  bus = await openBus(prefix);
  const sub = await bus.subscribe({
    group: 'cli-group',
    orm,
    maxAttempts: 2,
    handlers: {
      'platform.probe.emitted': async (_em, e) => {
        if (e.payload.note === 'poison') throw new Error('refused by the test');
      },
    },
  });
  poison = createEnvelope({ source: 'cli' }, 'platform.probe.emitted', {
    aggregateId: 'cli-1',
    orgId: null,
    payload: { probeId: 'cli-1', seq: 1, note: 'poison' },
  });
  await bus.producer.send([
    createEnvelope({ source: 'cli' }, 'platform.probe.emitted', {
      aggregateId: 'cli-1',
      orgId: null,
      payload: { probeId: 'cli-1', seq: 0 },
    }),
    poison,
  ]);
  await waitFor(
    'the dead letter',
    () => sub.stats().deadLettered,
    (n) => n === 1,
  );
  await sub.close();
}, 30_000);

afterAll(async () => {
  await bus?.close();
  await orm?.close();
  await dropDatabases(prefix);
}, 30_000);

describe('events CLI', { timeout: 30_000 }, () => {
  it('prints usage and rejects unknown commands', async () => {
    const help = await cli('help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('tail <topic>');
    const bad = await cli('frobnicate');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown command "frobnicate"');
  });

  it('lag shows committed offset, head and lag per group and partition', async () => {
    const res = await cli('lag');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/group\s+topic\s+partition\s+committed\s+head\s+lag/);
    expect(res.stdout).toMatch(/cli-group\s+platform\.probe\s+\d\s+\d+\s+\d+\s+0/);
    expect(res.stdout).toContain('cli-group: total lag 0');
  });

  it('topics and tail show the log', async () => {
    const topics = await cli('topics');
    expect(topics.stdout).toMatch(/platform\.probe\s+4\s+2\s+168/);
    expect(topics.stdout).toMatch(/dlq\.cli-group\s+4\s+1\s+720/);
    const tail = await cli('tail', 'platform.probe', '--from-beginning', '--limit', '2');
    expect(tail.code).toBe(0);
    const lines = tail.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`id=${poison.id}`);
    expect(lines[1]).toMatch(/^platform\.probe\/\d@1 \S+ platform\.probe\.emitted key=cli-1 /);
  });

  it('dlq lists dead letters and replay publishes them again', async () => {
    const list = await cli('dlq');
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(poison.id);
    expect(list.stdout).toContain('refused by the test');
    expect(list.stdout).toContain('1 dead letter(s)');
    const json = await cli('dlq', 'cli-group', '--json');
    expect(JSON.parse(json.stdout.trim())).toMatchObject({
      eventId: poison.id,
      group: 'cli-group',
      attempts: 2,
    });

    const missing = await cli('replay', '01ARZ3NDEKTSV4RRFFQ69G5FAV');
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('not found');

    const replay = await cli('replay', poison.id);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain(`replayed ${poison.id} to platform.probe (dead-lettered by cli-group)`);
    expect((await cli('dlq')).stdout).toContain('no dead letters');
    const all = await cli('dlq', '--all');
    expect(all.stdout).toContain(poison.id);
    // the replayed envelope is on the topic again, identical
    const tail = await cli('tail', 'platform.probe', '--from-beginning', '--limit', '3', '--json');
    expect(JSON.parse(tail.stdout.trim().split('\n')[2]!)).toEqual(poison);
  });

  it('reports bad configuration plainly', async () => {
    const db = dbConfig(prefix);
    const res = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [CLI, 'lag'],
        {
          env: {
            ...process.env,
            DB_PREFIX: prefix,
            DB_HOST: db.DB_HOST,
            EVENTS_PARTITIONS: 'many',
            KAFKA_BROKERS: '',
          },
        },
        (err, _out, stderr) => resolve({ code: err ? Number((err as { code?: number }).code) : 0, stderr }),
      ),
    );
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('EVENTS_PARTITIONS must be an integer, got "many"');
  });
});
