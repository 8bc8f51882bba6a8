import { readFileSync } from 'node:fs';
import { ConfigError, type ConfigOf, env, loadConfig } from '../config.ts';

/**
 * Environment settings of the event bus (documented in docs/events.md). The
 * transport is Kafka when `KAFKA_BROKERS` is set (or `EVENTS_TRANSPORT=kafka`),
 * otherwise the MySQL log in the `${DB_PREFIX}${EVENTS_DB_NAME}` database.
 */
export const eventsEnv = {
  EVENTS_TRANSPORT: env.oneOf(['mysql', 'kafka'] as const, { optional: true }),
  /** Database (without DB_PREFIX) that the mysql transport uses as its broker. */
  EVENTS_DB_NAME: env.string({ default: 'events' }),
  EVENTS_DB_POOL_MAX: env.int({ default: 10, min: 2, max: 200 }),
  /** Partitions of a topic created by this process (a topic keeps the count it was created with). */
  EVENTS_PARTITIONS: env.int({ default: 8, min: 1, max: 1024 }),
  /** mysql transport: messages older than this are deleted. */
  EVENTS_RETENTION_HOURS: env.int({ default: 168, min: 1 }),
  /** mysql transport: retention of dead-letter topics (`dlq.<group>`). */
  EVENTS_DLQ_RETENTION_HOURS: env.int({ default: 720, min: 1 }),
  /**
   * mysql transport: consumers poll the partition heads between these intervals (adaptive backoff:
   * back to the minimum after a change, doubling while nothing changes). The maximum is what an idle
   * process costs, one query per interval, and the longest wait for another process's first event
   * after a quiet spell (docs/events.md).
   */
  EVENTS_POLL_MIN_MS: env.int({ default: 5, min: 1, max: 60_000 }),
  EVENTS_POLL_MAX_MS: env.int({ default: 250, min: 1, max: 60_000 }),
  /** mysql transport: partition lease of a consumer-group member; a dead member's partitions move after this. */
  EVENTS_LEASE_MS: env.int({ default: 10_000, min: 500, max: 600_000 }),
  /** mysql transport: a consumer commits its offset at the end of each fetched batch and at least this often. */
  EVENTS_COMMIT_INTERVAL_MS: env.int({ default: 1000, min: 10 }),
  /** Relay: fallback poll of the outbox when no in-process notification arrives. */
  EVENTS_RELAY_POLL_MS: env.int({ default: 1000, min: 10, max: 600_000 }),
  EVENTS_RELAY_BATCH: env.int({ default: 200, min: 1, max: 10_000 }),
  /** Relay: published outbox rows are deleted after this many hours. */
  EVENTS_OUTBOX_RETENTION_HOURS: env.int({ default: 24, min: 0 }),
  /**
   * Read-your-writes: how long a mutation's response waits for its events to reach the log (0: only wake
   * the relay). A timeout does not fail the mutation (it committed); it is logged.
   */
  EVENTS_PUBLISH_WAIT_MS: env.int({ default: 2000, min: 0, max: 60_000 }),
  /** Read-your-writes: default bound of `kernel.settle()` (wait for the service's projections to apply the log). */
  EVENTS_SETTLE_TIMEOUT_MS: env.int({ default: 3000, min: 0, max: 60_000 }),
  /** Consumers: default attempts before a message goes to the dead-letter topic. */
  EVENTS_MAX_ATTEMPTS: env.int({ default: 5, min: 1, max: 1000 }),
  EVENTS_RETRY_BASE_MS: env.int({ default: 200, min: 0 }),
  EVENTS_RETRY_MAX_MS: env.int({ default: 30_000, min: 0 }),
  /** Consumers: a handler running longer than this fails its attempt (its transaction is rolled back). */
  EVENTS_HANDLER_TIMEOUT_MS: env.int({ default: 30_000, min: 10 }),

  KAFKA_BROKERS: env.list({ optional: true }),
  KAFKA_CLIENT_ID: env.string({ optional: true }),
  KAFKA_SSL: env.bool({ default: false }),
  KAFKA_SSL_CA_FILE: env.string({ optional: true }),
  KAFKA_SSL_CERT_FILE: env.string({ optional: true }),
  KAFKA_SSL_KEY_FILE: env.string({ optional: true }),
  KAFKA_SSL_REJECT_UNAUTHORIZED: env.bool({ default: true }),
  KAFKA_SASL_MECHANISM: env.oneOf(['plain', 'scram-sha-256', 'scram-sha-512'] as const, { optional: true }),
  KAFKA_SASL_USERNAME: env.string({ optional: true }),
  KAFKA_SASL_PASSWORD: env.string({ optional: true }),
  /** Prefix of every Kafka topic and consumer group (several deployments or test runs on one cluster). */
  KAFKA_TOPIC_PREFIX: env.string({ default: '' }),
  /** Replication factor of topics this process creates; -1 = the broker's default. */
  KAFKA_REPLICATION_FACTOR: env.int({ default: -1, min: -1, max: 32 }),
  /** Create missing topics on start (needs the CREATE permission; disable where topics are provisioned). */
  KAFKA_CREATE_TOPICS: env.bool({ default: true }),
  KAFKA_CONNECTION_TIMEOUT_MS: env.int({ default: 3000, min: 100 }),
  /** Retries of a failed request/connection by the client (kafkajs; the producer keeps its own bound). */
  KAFKA_RETRIES: env.int({ default: 5, min: 0, max: 100 }),
  KAFKA_SESSION_TIMEOUT_MS: env.int({ default: 30_000, min: 1000 }),
};

export type EventsConfig = ConfigOf<typeof eventsEnv> & { transport: 'mysql' | 'kafka' };

/** Reads and validates the events settings; throws ConfigError listing every problem. */
export function loadEventsConfig(source: Record<string, string | undefined> = process.env): EventsConfig {
  const cfg = loadConfig(eventsEnv, source);
  const problems: string[] = [];
  const brokers = cfg.KAFKA_BROKERS ?? [];
  const transport = cfg.EVENTS_TRANSPORT ?? (brokers.length ? 'kafka' : 'mysql');
  if (transport === 'kafka' && !brokers.length) {
    problems.push('KAFKA_BROKERS is required when EVENTS_TRANSPORT=kafka (comma-separated host:port list)');
  }
  for (const b of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(b)) problems.push(`KAFKA_BROKERS entry "${b}" is not host:port`);
  }
  if (cfg.KAFKA_SASL_MECHANISM && (!cfg.KAFKA_SASL_USERNAME || !cfg.KAFKA_SASL_PASSWORD)) {
    problems.push(
      'KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required when KAFKA_SASL_MECHANISM is set',
    );
  }
  if (!cfg.KAFKA_SASL_MECHANISM && (cfg.KAFKA_SASL_USERNAME || cfg.KAFKA_SASL_PASSWORD)) {
    problems.push(
      'KAFKA_SASL_MECHANISM (plain, scram-sha-256 or scram-sha-512) is required with SASL credentials',
    );
  }
  if (Boolean(cfg.KAFKA_SSL_CERT_FILE) !== Boolean(cfg.KAFKA_SSL_KEY_FILE)) {
    problems.push('KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE must be set together');
  }
  for (const name of ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'] as const) {
    const file = cfg[name];
    if (!file) continue;
    try {
      readFileSync(file);
    } catch (err) {
      problems.push(
        `${name}: cannot read "${file}" (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
  }
  if (!/^[A-Za-z0-9._-]*$/.test(cfg.KAFKA_TOPIC_PREFIX)) {
    problems.push(
      `KAFKA_TOPIC_PREFIX may only contain letters, digits, ".", "_" and "-", got "${cfg.KAFKA_TOPIC_PREFIX}"`,
    );
  }
  if (cfg.EVENTS_POLL_MIN_MS > cfg.EVENTS_POLL_MAX_MS) {
    problems.push(
      `EVENTS_POLL_MIN_MS (${cfg.EVENTS_POLL_MIN_MS}) must be <= EVENTS_POLL_MAX_MS (${cfg.EVENTS_POLL_MAX_MS})`,
    );
  }
  if (problems.length) throw new ConfigError(problems);
  return { ...cfg, transport };
}
