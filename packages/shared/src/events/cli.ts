/**
 * Operator CLI for the event bus: `npm run events -- <command>`.
 * Reads the same environment as the services (DB_*, EVENTS_*, KAFKA_*).
 */
import { pino } from 'pino';
import { ConfigError, databaseEnv, loadConfig } from '../config.ts';
import { createEventBus, type EventBus } from './bus.ts';

const USAGE = `usage: npm run events -- <command>

  tail <topic> [--from-beginning] [--limit N] [--json]
        print messages of a topic as they arrive (Ctrl-C to stop)
  lag [group…]
        committed offset, head and lag per consumer group / topic / partition
  dlq [group] [--all] [--json]
        dead letters not yet replayed (--all: also the replayed ones)
  replay <eventId…> [--group <group>]
        publish dead-lettered events again to the topic they came from
  topics
        topics, partitions, retained messages

Environment: DB_HOST, DB_PORT, DB_USER, DB_PASSWORD, DB_PREFIX and the
EVENTS_* / KAFKA_* settings (docs/events.md). KAFKA_BROKERS selects Kafka.`;

function table(rows: Record<string, unknown>[], cols: string[]): string {
  const cells = rows.map((r) => cols.map((c) => (r[c] === null || r[c] === undefined ? '-' : String(r[c]))));
  const width = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(width[i]!))
      .join('  ')
      .trimEnd();
  return [line(cols), line(width.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function flag(args: string[], name: string): boolean {
  const i = args.indexOf(name);
  if (i < 0) return false;
  args.splice(i, 1);
  return true;
}
function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
  args.splice(i, 2);
  return v;
}

class UsageError extends Error {}

async function run(bus: EventBus, cmd: string, args: string[], out: (s: string) => void): Promise<number> {
  switch (cmd) {
    case 'tail': {
      const fromBeginning = flag(args, '--from-beginning');
      const json = flag(args, '--json');
      const limitRaw = option(args, '--limit');
      const limit = limitRaw === undefined ? Infinity : Number(limitRaw);
      if (!Number.isInteger(limit) && limit !== Infinity) throw new UsageError('--limit must be an integer');
      const [topic, ...rest] = args;
      if (!topic || rest.length)
        throw new UsageError('tail takes one topic, e.g. `tail identity.organization`');
      const ac = new AbortController();
      process.once('SIGINT', () => ac.abort());
      process.once('SIGTERM', () => ac.abort());
      let n = 0;
      await bus.tail(topic, { fromBeginning, signal: ac.signal }, (rec) => {
        if (n >= limit) return;
        n++;
        if (json) {
          out(rec.value);
        } else {
          let type = rec.headers.type ?? '?';
          let id = '';
          let payload = '';
          try {
            const e = JSON.parse(rec.value) as { type: string; id: string; payload: unknown };
            type = e.type;
            id = e.id;
            payload = JSON.stringify(e.payload);
          } catch {
            payload = rec.value.slice(0, 200);
          }
          out(
            `${rec.topic}/${rec.partition}@${rec.offset} ${new Date(rec.timestamp).toISOString()} ${type} key=${rec.key} id=${id} ${payload}`,
          );
        }
        if (n >= limit) ac.abort();
      });
      return 0;
    }
    case 'lag': {
      const rows = await bus.lag(args.length ? args : undefined);
      if (!rows.length) {
        out('no consumer groups');
        return 0;
      }
      out(
        table(rows as unknown as Record<string, unknown>[], [
          'group',
          'topic',
          'partition',
          'committed',
          'head',
          'lag',
          'owner',
        ]),
      );
      const total = new Map<string, number>();
      for (const r of rows) total.set(r.group, (total.get(r.group) ?? 0) + r.lag);
      out('');
      for (const [g, n] of total) out(`${g}: total lag ${n}`);
      return 0;
    }
    case 'dlq': {
      const all = flag(args, '--all');
      const json = flag(args, '--json');
      const [group, ...rest] = args;
      if (rest.length) throw new UsageError('dlq takes at most one group');
      const rows = await bus.deadLetters({ ...(group ? { group } : {}), includeReplayed: all });
      if (json) {
        for (const r of rows) out(JSON.stringify(r));
        return 0;
      }
      if (!rows.length) {
        out(group ? `no dead letters for ${group}` : 'no dead letters');
        return 0;
      }
      out(
        table(
          rows.map((r) => ({
            ...r,
            error: r.error.length > 80 ? `${r.error.slice(0, 77)}...` : r.error,
          })) as unknown as Record<string, unknown>[],
          ['eventId', 'group', 'type', 'topic', 'attempts', 'deadLetteredAt', 'replayedAt', 'error'],
        ),
      );
      out(`\n${rows.length} dead letter(s)`);
      return 0;
    }
    case 'replay': {
      const group = option(args, '--group');
      if (!args.length) throw new UsageError('replay needs one or more event ids (see `dlq`)');
      const results = await bus.replay(args, group ? { group } : {});
      let missing = 0;
      for (const r of results) {
        if (r.status === 'replayed')
          out(`replayed ${r.eventId} to ${r.topic} (dead-lettered by ${r.groups.join(', ')})`);
        else {
          missing++;
          out(`not found: ${r.eventId} is not a dead letter${group ? ` of ${group}` : ''}`);
        }
      }
      return missing ? 1 : 0;
    }
    case 'topics': {
      const rows = await bus.topics();
      if (!rows.length) out('no topics');
      else
        out(
          table(rows as unknown as Record<string, unknown>[], [
            'topic',
            'partitions',
            'messages',
            'retentionHours',
          ]),
        );
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${cmd}"`);
  }
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...args] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return cmd ? 0 : 2;
  }
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
  let bus: EventBus | undefined;
  try {
    const db = loadConfig(databaseEnv);
    bus = await createEventBus({ db, logger, serviceName: 'events-cli' });
    return await run(bus, cmd, args, (s) => process.stdout.write(`${s}\n`));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`events: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`events: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`events: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await bus?.close().catch(() => {});
  }
}

process.exitCode = await main(process.argv.slice(2));
