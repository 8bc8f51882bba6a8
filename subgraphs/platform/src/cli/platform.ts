/**
 * `npm run platform -- invoice --month 2026-11`: issues the month's missing
 * invoices in the platform database (DB_* environment, as the service reads
 * it), exactly as the service's scheduler does; running it again issues
 * nothing. The running service's relay publishes their events.
 */
import '@tradegraph/contracts';
import { parseArgs } from 'node:util';
import { createLogger, databaseEnv, loadConfig, openDatabase, UserErrors } from '@tradegraph/shared';
import { issueInvoices } from '../domain/billing.ts';
import { entities } from '../entities/index.ts';
import { migrations } from '../migrations/0001-init.ts';
import { outboxUnit } from '../store/outbox.ts';

const USAGE = 'usage: npm run platform -- invoice --month YYYY-MM';

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { month: { type: 'string' } },
  });
  if (positionals[0] !== 'invoice' || !values.month) {
    console.error(USAGE);
    return 2;
  }
  const db = loadConfig(databaseEnv, process.env);
  const logger = createLogger('platform-cli', 'warn');
  const orm = await openDatabase({ db, name: 'platform', entities, migrations, logger });
  try {
    const month = values.month;
    const issued = await orm.em
      .fork()
      .transactional((em) => issueInvoices(outboxUnit(em), month, new Date()));
    console.log(`${issued} invoice(s) issued for ${month} in ${db.DB_PREFIX}platform`);
    return 0;
  } catch (err) {
    if (err instanceof UserErrors) {
      console.error(err.errors.map((e) => e.message).join('; '));
      return 1;
    }
    throw err;
  } finally {
    await orm.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
