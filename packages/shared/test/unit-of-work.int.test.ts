import { Migration } from '@mikro-orm/migrations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../src/auth/principal.ts';
import { type Orm, openDatabase } from '../src/db/orm.ts';
import {
  createEventBus,
  type EventBus,
  OUTBOX_TABLE_SQL,
  OutboxMessage,
  registerEventTypes,
} from '../src/events/index.ts';
import { AppError, UserErrors } from '../src/graphql/errors.ts';
import { Loaders } from '../src/graphql/loaders.ts';
import { createServiceContext, type Kernel, systemContext } from '../src/kernel/context.ts';
import { RetryableConflict, write } from '../src/kernel/unit-of-work.ts';
import { createLogger } from '../src/logger.ts';
import { dropTestDatabases, testDatabaseConfig } from '../src/testing/index.ts';

/**
 * The kernel's unit of work against real MariaDB: who may run it, that the
 * change and its events commit or roll back together, bounded retries, and
 * unique-key races turned into user errors.
 */

declare module '../src/events/catalogue.ts' {
  interface EventCatalogue {
    'platform.widget.created': { version: 1; payload: { widgetId: string } };
  }
}
registerEventTypes({ 'platform.widget.created': 1 });

const db = testDatabaseConfig();
const logger = createLogger('test', 'silent');

class Init extends Migration {
  override name = '0001-init';
  up() {
    this.addSql(OUTBOX_TABLE_SQL);
    this.addSql(
      'create table widgets (id varchar(40) primary key, name varchar(60) not null, unique key widgets_name_uq (name))',
    );
  }
}

let orm: Orm;
let bus: EventBus;
let kernel: Kernel;
const committed: string[][] = [];

const brandOwner: Principal = {
  kind: 'user',
  userId: 'usr_1',
  organizationId: 'org_brand',
  organizationKind: 'BRAND',
  role: 'OWNER',
  permissions: ['catalog:write'],
};
const ctxOf = (principal: Principal) =>
  createServiceContext(
    { principal, requestId: 'test', logger, loaders: new Loaders(), sql: { count: 0 } },
    kernel,
    {},
  );

async function widgets(): Promise<string[]> {
  const rows = await orm.em.fork().execute<{ name: string }[]>('select name from widgets order by name');
  return rows.map((r) => r.name);
}
async function outboxCount(): Promise<number> {
  const [row] = await orm.em.fork().execute<{ n: number }[]>('select count(*) n from outbox');
  return Number(row!.n);
}

beforeAll(async () => {
  orm = await openDatabase({ db, name: 'uow', entities: [OutboxMessage], migrations: [Init], logger });
  bus = await createEventBus({ db, logger, serviceName: 'uow', env: {} });
  kernel = {
    name: 'uow',
    orm,
    registry: undefined,
    serviceDb: `${db.DB_PREFIX}uow`,
    logger,
    bus,
    relay: { notify() {}, drain: async () => 0, stop: async () => {} } as unknown as Kernel['relay'],
    afterCommit: async (ids) => void committed.push([...ids]),
    settle: async () => true,
  };
});

afterAll(async () => {
  await bus?.close();
  await orm?.close();
  await dropTestDatabases(db);
});

const create = (name: string) => async (tx: Parameters<Parameters<typeof write>[2]>[0]) => {
  await tx.em.execute('insert into widgets (id, name) values (?, ?)', [`wdg_${name}`, name]);
  tx.publish('platform.widget.created', { aggregateId: `wdg_${name}`, payload: { widgetId: `wdg_${name}` } });
  return name;
};

describe('write (the unit of work)', () => {
  it('commits the change and its event together, then runs the after-commit hook with the event ids', async () => {
    const before = await outboxCount();
    committed.length = 0;
    const spec = { permission: 'catalog:write', tenant: 'service', kinds: ['BRAND'] } as const;
    await expect(write(ctxOf(brandOwner), spec, create('alpha'))).resolves.toBe('alpha');
    expect(await widgets()).toContain('alpha');
    expect(await outboxCount()).toBe(before + 1);
    expect(committed).toHaveLength(1);
    const [row] = await orm.em
      .fork()
      .execute<{ org_id: string; type: string }[]>(
        'select org_id, type from outbox order by seq desc limit 1',
      );
    // the event's organisation defaults to the acting organisation
    expect(row).toMatchObject({ org_id: 'org_brand', type: 'platform.widget.created' });
  });

  it('rolls the change and its events back together when the unit fails', async () => {
    const before = await outboxCount();
    const spec = { permission: 'catalog:write', tenant: 'service' } as const;
    await expect(
      write(ctxOf(brandOwner), spec, async (tx) => {
        await create('beta')(tx);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await widgets()).not.toContain('beta');
    expect(await outboxCount()).toBe(before);
  });

  it('checks the permission and the organisation kind against the principal', async () => {
    const spec = { permission: 'catalog:write', tenant: 'service', kinds: ['SUPPLIER'] } as const;
    await expect(write(ctxOf(brandOwner), spec, create('gamma'))).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    const noPerm = { ...brandOwner, permissions: [] } as Principal;
    await expect(
      write(ctxOf(noPerm), { permission: 'catalog:write', tenant: 'service' }, create('gamma')),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      write(
        ctxOf({ kind: 'anonymous' }),
        { permission: 'catalog:write', tenant: 'service' },
        create('gamma'),
      ),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await widgets()).not.toContain('gamma');
  });

  it("runs 'system' units only for the process itself", async () => {
    await expect(
      write(ctxOf(brandOwner), { permission: 'system', tenant: 'service' }, create('delta')),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      write(systemContext(kernel, {}), { permission: 'system', tenant: 'service' }, create('delta')),
    ).resolves.toBe('delta');
  });

  it('re-runs a unit that lost a race, within its attempts, and commits only the last run', async () => {
    let runs = 0;
    const result = await write(
      ctxOf(brandOwner),
      { permission: 'catalog:write', tenant: 'service', attempts: 3 },
      async (tx) => {
        runs++;
        await create(`epsilon${runs}`)(tx);
        if (runs < 3) throw new RetryableConflict('moved');
        return runs;
      },
    );
    expect(result).toBe(3);
    const names = await widgets();
    expect(names).toContain('epsilon3');
    expect(names).not.toContain('epsilon1');
    expect(names).not.toContain('epsilon2');
  });

  it('answers CONFLICT (temporary) when every attempt lost', async () => {
    let runs = 0;
    const err = await write(
      ctxOf(brandOwner),
      { permission: 'catalog:write', tenant: 'service', attempts: 2 },
      async () => {
        runs++;
        throw new RetryableConflict('moved');
      },
    ).catch((e: unknown) => e);
    expect(runs).toBe(2);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'CONFLICT' });
  });

  it('turns a declared unique-key violation into a user error and leaves others alone', async () => {
    const spec = {
      permission: 'catalog:write',
      tenant: 'service',
      uniqueKeys: { widgets_name_uq: { code: 'NAME_TAKEN', message: 'Taken', field: 'name' } },
    } as const;
    await write(ctxOf(brandOwner), spec, create('zeta'));
    const err = await write(ctxOf(brandOwner), spec, async (tx) => {
      await tx.em.execute('insert into widgets (id, name) values (?, ?)', ['wdg_other', 'zeta']);
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserErrors);
    expect((err as UserErrors).errors).toEqual([{ code: 'NAME_TAKEN', message: 'Taken', field: ['name'] }]);
    const undeclared = await write(
      ctxOf(brandOwner),
      { permission: 'catalog:write', tenant: 'service' },
      async (tx) => {
        await tx.em.execute('insert into widgets (id, name) values (?, ?)', ['wdg_other2', 'zeta']);
      },
    ).catch((e: unknown) => e);
    expect(undeclared).not.toBeInstanceOf(UserErrors);
  });
});
