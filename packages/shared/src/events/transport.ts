/**
 * What the bus needs from a transport (mysql log or Kafka). Both pass the same
 * contract tests (test/events/contract.test.ts).
 */

export interface OutgoingRecord {
  topic: string;
  /** Partition key: the aggregate id. Records with one key keep their order. */
  key: string;
  /** Event id (the envelope's id), stored alongside for look-ups. */
  eventId: string;
  /** Serialized envelope (JSON). */
  value: string;
  headers?: Record<string, string>;
}

export interface IncomingRecord {
  topic: string;
  partition: number;
  /** Offset within the partition (decimal string: Kafka offsets are 64-bit). */
  offset: string;
  key: string;
  value: string;
  headers: Record<string, string>;
  /** When the transport stored the record (ms since epoch). */
  timestamp: number;
}

export interface RecordContext {
  /** Aborted when the consumer stops (shutdown or partition moved to another member). */
  signal: AbortSignal;
  /** Keeps the group membership alive during a long retry wait. */
  heartbeat(): Promise<void>;
}

export interface ConsumeOptions {
  group: string;
  topics: string[];
  /** A new group starts at the oldest retained message (true) or at the end (false). */
  fromBeginning: boolean;
  /**
   * Called for each record, in order within a partition. Resolving means the
   * record is done (handled, skipped or dead-lettered) and its offset may be
   * committed; throwing means it is not, and it is delivered again later.
   */
  onRecord(rec: IncomingRecord, ctx: RecordContext): Promise<void>;
}

export interface TransportConsumer {
  /** Stops fetching, lets in-flight records finish, commits, leaves the group. */
  close(): Promise<void>;
}

export interface LagRow {
  group: string;
  topic: string;
  partition: number;
  /** Next offset the group will read (null: the group has not committed on this partition). */
  committed: number | null;
  /** Offset the next message written to the partition will get. */
  head: number;
  lag: number;
  /** Member holding the partition (mysql transport only). */
  owner?: string | null;
}

/** A partition of a group's topics: the log head and the group's committed offset (settle). */
export interface PartitionOffsets {
  topic: string;
  partition: number;
  /** Offset the next message written to the partition will get. */
  head: number;
  /** Next offset the group will read (null: the group has not committed on this partition). */
  committed: number | null;
}

export interface TopicInfo {
  topic: string;
  partitions: number;
  messages: number | null;
  retentionHours: number | null;
}

export interface DeadLetter {
  group: string;
  eventId: string;
  type: string;
  /** Where the message was consumed from. */
  topic: string;
  partition: number;
  offset: string;
  error: string;
  attempts: number;
  deadLetteredAt: string;
  replayedAt: string | null;
  key: string;
  /** The original envelope, as it was received. */
  value: string;
}

export interface Transport {
  readonly kind: 'mysql' | 'kafka';
  /** Writes records; resolves once they are durable in the transport. Order is kept per key. */
  send(records: OutgoingRecord[]): Promise<void>;
  consume(opts: ConsumeOptions): Promise<TransportConsumer>;
  /** Throws with a readable message when the transport is unreachable. */
  ping(): Promise<void>;
  lag(groups?: string[]): Promise<LagRow[]>;
  /** Every partition of `topics` (existing ones), with its head and `group`'s committed offset on it. */
  offsets(group: string, topics: string[]): Promise<PartitionOffsets[]>;
  topics(): Promise<TopicInfo[]>;
  /** Dead letters, optionally of one group; `includeReplayed` also lists the ones already replayed. */
  deadLetters(opts?: { group?: string; includeReplayed?: boolean }): Promise<DeadLetter[]>;
  /** Dead letters not yet replayed, per group (for the DLQ gauge). */
  deadLetterCounts(groups: string[]): Promise<{ group: string; count: number }[]>;
  /** Records that a dead letter was replayed (listing shows it; the DLQ gauge stops counting it). */
  markReplayed(group: string, eventId: string): Promise<void>;
  /** Calls `onRecord` for every record of `topic` (from the end, or the beginning) until `signal` aborts. */
  tail(
    topic: string,
    opts: { fromBeginning: boolean; signal: AbortSignal },
    onRecord: (rec: IncomingRecord) => void,
  ): Promise<void>;
  close(): Promise<void>;
}

/** Name of a consumer group's dead-letter topic. */
export function dlqTopic(group: string): string {
  return `dlq.${group}`;
}
export const DLQ_PREFIX = 'dlq.';

/** Headers a dead-lettered record carries (besides the original ones). */
export const DLQ_HEADERS = {
  group: 'x-dlq-group',
  error: 'x-dlq-error',
  attempts: 'x-dlq-attempts',
  topic: 'x-dlq-topic',
  partition: 'x-dlq-partition',
  offset: 'x-dlq-offset',
  at: 'x-dlq-at',
} as const;

/**
 * Partition of a key: 32-bit FNV-1a of its UTF-8 bytes, modulo the partition
 * count. Stable across processes and versions (the mysql log depends on it).
 */
export function partitionOf(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(key, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}

/** Topic and group names: letters, digits, `.`, `_`, `-` (valid for Kafka and our tables). */
export function assertName(kind: 'topic' | 'group', name: string): void {
  if (!/^[A-Za-z0-9._-]{1,180}$/.test(name)) {
    throw new Error(`invalid ${kind} name "${name}": use 1-180 letters, digits, ".", "_" or "-"`);
  }
}

export class AbortedError extends Error {
  constructor() {
    super('aborted');
    this.name = 'AbortedError';
  }
}

/** setTimeout as a promise that rejects with AbortedError when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError());
    const onAbort = () => {
      clearTimeout(t);
      reject(new AbortedError());
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A promise plus its resolver: a one-shot wake-up signal. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A dead letter as listed by the CLI, from a record of a `dlq.<group>` topic. */
export function deadLetterOf(
  rec: IncomingRecord,
  eventId: string,
  replayedAt: string | Date | null,
): DeadLetter {
  const h = rec.headers;
  let type = '';
  try {
    type = String((JSON.parse(rec.value) as { type?: unknown }).type ?? '');
  } catch {
    type = '';
  }
  return {
    group: h[DLQ_HEADERS.group] ?? rec.topic.slice(DLQ_PREFIX.length),
    eventId,
    type,
    topic: h[DLQ_HEADERS.topic] ?? '',
    partition: Number(h[DLQ_HEADERS.partition] ?? -1),
    offset: h[DLQ_HEADERS.offset] ?? '',
    error: h[DLQ_HEADERS.error] ?? '',
    attempts: Number(h[DLQ_HEADERS.attempts] ?? 0),
    deadLetteredAt: h[DLQ_HEADERS.at] ?? new Date(rec.timestamp).toISOString(),
    replayedAt: replayedAt
      ? new Date(replayedAt instanceof Date ? replayedAt : `${replayedAt.replace(' ', 'T')}Z`).toISOString()
      : null,
    key: rec.key,
    value: rec.value,
  };
}
