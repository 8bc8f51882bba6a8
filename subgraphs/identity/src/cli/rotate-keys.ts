/**
 * Rotates identity's access-token signing key:
 *   npm run keys:rotate                  adds a new ACTIVE key; the old one keeps verifying (RETIRING)
 *   npm run keys:rotate -- --retire      drops RETIRING keys once no token they signed can still be valid
 * Running identity instances pick the new key up within a minute.
 */
import { createLogger, databaseEnv, env, loadConfig, openDatabase } from '@tradegraph/shared';
import { retireSigningKeys, rotateSigningKey } from '../domain/signing-keys.ts';
import { entities } from '../entities/index.ts';
import { migrations } from '../migrations/index.ts';
import { allSigningKeys } from '../store/signing-keys.ts';

const config = loadConfig({
  ...databaseEnv,
  KEY_ENCRYPTION_SECRET: env.string({ optional: true }),
  ACCESS_TOKEN_TTL_SECONDS: env.int({ default: 900 }),
});
const log = createLogger('identity-keys', 'warn');
const orm = await openDatabase({ db: config, name: 'identity', entities, migrations, logger: log });
try {
  if (process.argv.includes('--retire')) {
    const retired = await retireSigningKeys(orm, config.ACCESS_TOKEN_TTL_SECONDS + 60);
    console.log(
      retired.length
        ? `Retired ${retired.join(', ')}`
        : 'Nothing to retire yet (the newest key is younger than an access token).',
    );
  } else {
    const kid = await rotateSigningKey(orm, config.KEY_ENCRYPTION_SECRET);
    console.log(`New signing key ${kid} is ACTIVE; previous keys are RETIRING and still verify.`);
  }
  const keys = await allSigningKeys(orm);
  for (const k of keys)
    console.log(`  ${k.kid}  ${k.status.padEnd(8)}  created ${k.createdAt.toISOString()}`);
} finally {
  await orm.close();
}
