import { createServer } from 'node:net';
import { defineEntity, p } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import { afterAll, describe, expect, it } from 'vitest';
import { OUTBOX_TABLE_SQL, OutboxMessage, PROCESSED_EVENTS_TABLE_SQL } from '../src/events/index.ts';
import { startService } from '../src/http/service.ts';
import { createLogger, type Orm } from '../src/index.ts';
import { dropTestDatabases, testDatabaseConfig, testInternalKeys } from '../src/testing/index.ts';
import './events/probe.ts';

const db = testDatabaseConfig();
const logger = createLogger('test', 'silent');
afterAll(() => dropTestDatabases(db));

const Note = defineEntity({
  name: 'Note',
  tableName: 'note',
  schema: '*',
  properties: { id: p.string().primary(), body: p.string() },
});
class ServiceInit extends Migration {
  override name = '0001-service';
  up() {
    this.addSql(OUTBOX_TABLE_SQL);
    this.addSql(PROCESSED_EVENTS_TABLE_SQL);
  }
}
class TenantInit extends Migration {
  override name = '0001-tenant';
  up() {
    this.addSql('create table note (id varchar(40) primary key, body varchar(200) not null)');
  }
}

/** A tiny tenant-owning service with a consumer and two background tasks; records what its hooks saw. */
function startTiny(port: number, seen: { orm?: Orm; stopped: string[] }) {
  return startService({
    name: 'svc',
    config: {
      ...db,
      PORT: port,
      HOST: '127.0.0.1',
      INTERNAL_TOKEN_PUBLIC_KEY: testInternalKeys().publicKey,
      NODE_ENV: 'test',
    },
    logger,
    env: { EVENTS_RELAY_POLL_MS: '200' },
    entities: [OutboxMessage, Note],
    migrations: [ServiceInit],
    tenants: { entities: [Note], migrations: [TenantInit] },
    sdl: 'type Query { hello: String }',
    resolvers: { Query: { hello: () => 'hi' } },
    services: ({ orm }) => {
      seen.orm = orm;
      return { greeting: 'hi' };
    },
    handlers: () => ({ 'platform.probe.emitted': async () => {} }),
    background: () => [
      { stop: async () => void seen.stopped.push('first') },
      { stop: async () => void seen.stopped.push('second') },
    ],
  });
}

describe('startService', () => {
  it('serves with database and bus readiness, and stops everything it opened', async () => {
    const seen: { orm?: Orm; stopped: string[] } = { stopped: [] };
    const running = await startTiny(0, seen);
    expect(running.registry).toBeDefined();
    expect(running.subscription?.group).toBe('svc');
    const ready = await fetch(running.url.replace('/graphql', '/ready'));
    expect(ready.status).toBe(200);
    await running.stop();
    expect(seen.stopped).toEqual(['second', 'first']);
    expect(await seen.orm!.isConnected()).toBe(false);
  });

  it('closes what it opened, in reverse, when start-up fails half-way', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    try {
      const seen: { orm?: Orm; stopped: string[] } = { stopped: [] };
      await expect(startTiny(taken, seen)).rejects.toThrow(/EADDRINUSE/);
      expect(seen.stopped).toEqual(['second', 'first']);
      expect(await seen.orm!.isConnected()).toBe(false);
    } finally {
      blocker.close();
    }
  });
});
