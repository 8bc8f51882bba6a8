import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.ts';
import {
  createEnvelope,
  createEventBus,
  EnvelopeError,
  EVENT_VERSIONS,
  isEventType,
  kafkaClientConfig,
  loadEventsConfig,
  parseEnvelope,
  registerEventTypes,
  topicOf,
  topicsOf,
} from '../../src/events/index.ts';
import './probe.ts';

// A test-local stand-in for an identity event: the kernel knows no domain events (they live in @tradegraph/contracts).
declare module '../../src/events/catalogue.ts' {
  interface EventCatalogue {
    'identity.user.registered': { version: 1; payload: { userId: string; email: string; name: string } };
  }
}
registerEventTypes({ 'identity.user.registered': 1 });

describe('events configuration', () => {
  it('defaults to the mysql transport and switches to kafka with KAFKA_BROKERS', () => {
    const mysql = loadEventsConfig({});
    expect(mysql).toMatchObject({
      transport: 'mysql',
      EVENTS_DB_NAME: 'events',
      EVENTS_PARTITIONS: 8,
      EVENTS_MAX_ATTEMPTS: 5,
    });
    const kafka = loadEventsConfig({ KAFKA_BROKERS: 'k1:9092, k2:9092' });
    expect(kafka.transport).toBe('kafka');
    expect(kafka.KAFKA_BROKERS).toEqual(['k1:9092', 'k2:9092']);
    // an explicit EVENTS_TRANSPORT wins
    expect(loadEventsConfig({ KAFKA_BROKERS: 'k1:9092', EVENTS_TRANSPORT: 'mysql' }).transport).toBe('mysql');
  });

  it('reports every problem at once', () => {
    try {
      loadEventsConfig({
        EVENTS_TRANSPORT: 'kafka',
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        EVENTS_POLL_MIN_MS: '500',
        EVENTS_POLL_MAX_MS: '100',
        KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem',
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([
        'KAFKA_BROKERS is required when EVENTS_TRANSPORT=kafka (comma-separated host:port list)',
        'KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required when KAFKA_SASL_MECHANISM is set',
        'KAFKA_SSL_CA_FILE: cannot read "/nonexistent/ca.pem" (ENOENT)',
        'EVENTS_POLL_MIN_MS (500) must be <= EVENTS_POLL_MAX_MS (100)',
      ]);
    }
    expect(() => loadEventsConfig({ KAFKA_BROKERS: 'nohostport' })).toThrow(
      /KAFKA_BROKERS entry "nohostport" is not host:port/,
    );
    expect(() => loadEventsConfig({ KAFKA_SASL_MECHANISM: 'kerberos' })).toThrow(
      /must be one of plain, scram-sha-256/,
    );
  });

  it('maps SASL and TLS settings to the kafkajs client', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-kafka-'));
    writeFileSync(join(dir, 'ca.pem'), 'CA-PEM');
    const cfg = loadEventsConfig({
      KAFKA_BROKERS: 'broker:9093',
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: join(dir, 'ca.pem'),
      KAFKA_SASL_MECHANISM: 'scram-sha-256',
      KAFKA_SASL_USERNAME: 'svc',
      KAFKA_SASL_PASSWORD: 'secret',
    });
    const client = kafkaClientConfig(cfg, 'identity');
    expect(client).toMatchObject({
      clientId: 'identity',
      brokers: ['broker:9093'],
      ssl: { rejectUnauthorized: true, ca: ['CA-PEM'] },
      sasl: { mechanism: 'scram-sha-256', username: 'svc', password: 'secret' },
    });
    const plain = kafkaClientConfig(loadEventsConfig({ KAFKA_BROKERS: 'localhost:9092' }), 'x');
    expect(plain.ssl).toBeUndefined();
    expect(plain.sasl).toBeUndefined();
  });
});

describe('kafka transport without a broker', () => {
  it('fails to start with a readable error (and says which brokers)', async () => {
    const started = Date.now();
    await expect(
      createEventBus({
        db: {
          DB_HOST: '127.0.0.1',
          DB_PORT: 3306,
          DB_USER: 'root',
          DB_PASSWORD: '',
          DB_PREFIX: 'tg_unused_',
          DB_POOL_MAX: 1,
        },
        logger: pino({ level: 'silent' }),
        serviceName: 'config-test',
        env: { KAFKA_BROKERS: '127.0.0.1:1', KAFKA_RETRIES: '0', KAFKA_CONNECTION_TIMEOUT_MS: '500' },
      }),
    ).rejects.toThrow(/Kafka brokers 127\.0\.0\.1:1 are unreachable/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('envelope and catalogue', () => {
  it('round-trips an envelope and rejects malformed ones with the field named', () => {
    const e = createEnvelope(
      { source: 'identity', requestId: 'req-1', traceparent: '00-abc-def-01' },
      'identity.user.registered',
      {
        aggregateId: 'usr_1',
        orgId: null,
        payload: { userId: 'usr_1', email: 'a@b.c', name: 'A' },
      },
    );
    expect(e).toMatchObject({
      type: 'identity.user.registered',
      version: 1,
      source: 'identity',
      requestId: 'req-1',
    });
    expect(parseEnvelope(JSON.stringify(e))).toEqual(e);
    expect(() => parseEnvelope('{')).toThrow(EnvelopeError);
    expect(() => parseEnvelope(JSON.stringify({ ...e, id: 'nope' }))).toThrow(
      /envelope id "nope" is not a ULID/,
    );
    expect(() => parseEnvelope(JSON.stringify({ ...e, type: 'Bad' }))).toThrow(
      /not <domain>.<entity>.<event>/,
    );
    expect(() => parseEnvelope(JSON.stringify({ ...e, aggregateId: '' }))).toThrow(/aggregateId is missing/);
    expect(() =>
      createEnvelope({ source: 's' }, 'platform.probe.emitted', {
        aggregateId: '',
        orgId: null,
        payload: { probeId: 'p', seq: 0 },
      }),
    ).toThrow(/aggregateId must be 1-120 characters/);
  });

  it('knows the registered types and their versions, and refuses to publish an unknown one', () => {
    expect(isEventType('platform.probe.emitted')).toBe(true);
    expect(EVENT_VERSIONS['platform.probe.emitted']).toBe(1);
    expect(isEventType('nope.nope.nope')).toBe(false);
    // registering the same version again is a no-op (a module loaded twice); another version is a conflict
    registerEventTypes({ 'platform.probe.emitted': 1 });
    expect(() => registerEventTypes({ 'platform.probe.emitted': 2 as 1 })).toThrow(
      /already registered with version 1, not 2/,
    );
    expect(EVENT_VERSIONS['platform.probe.emitted']).toBe(1);
    expect(() => registerEventTypes({ 'not-a-type': 1 } as never)).toThrow(
      /is not <domain>.<entity>.<event>/,
    );
    expect(() =>
      createEnvelope({ source: 's' }, 'nope.nope.nope' as 'platform.probe.emitted', {
        aggregateId: 'a',
        orgId: null,
        payload: { probeId: 'p', seq: 0 },
      }),
    ).toThrow(/nope\.nope\.nope: unknown event type/);
  });

  it('derives topics from types: one topic per domain entity', () => {
    expect(topicOf('identity.organization.created')).toBe('identity.organization');
    expect(
      topicsOf(['identity.membership.created', 'identity.membership.removed', 'identity.user.registered']),
    ).toEqual(['identity.membership', 'identity.user']);
    expect(() => topicOf('identity.organization')).toThrow(/is not <domain>.<entity>.<event>/);
  });
});
