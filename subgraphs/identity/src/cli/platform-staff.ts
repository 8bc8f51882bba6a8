/**
 * `npm run platform:staff -- --email … --password … [--name …] [--organization …]`
 * creates a platform staff user: OWNER of a PLATFORM organisation, hence
 * `platform:admin`. It runs identity's own bootstrap (PLATFORM_ADMIN_*,
 * domain/platform.ts) in a short-lived identity process on the identity
 * database (DB_* environment, as the service reads it), so the account, the
 * organisation and their events are written exactly as at start-up. Nothing
 * happens when the email already has an account.
 */
import { parseArgs } from 'node:util';
import { createLogger, generateInternalKeyPair } from '@tradegraph/shared';
import { loadIdentityConfig } from '../config.ts';
import { startIdentity } from '../service.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    email: { type: 'string' },
    password: { type: 'string' },
    name: { type: 'string', default: 'Platform Staff' },
    organization: { type: 'string' },
  },
});
if (!values.email || !values.password) {
  console.error(
    'usage: npm run platform:staff -- --email <email> --password <password> [--name <name>] [--organization <name>]',
  );
  process.exit(2);
}
const source = {
  ...process.env,
  PLATFORM_ADMIN_EMAIL: values.email,
  PLATFORM_ADMIN_PASSWORD: values.password,
  PLATFORM_ADMIN_NAME: values.name,
  ...(values.organization ? { PLATFORM_ORG_NAME: values.organization } : {}),
  // the process serves no request: an ephemeral key and port
  INTERNAL_TOKEN_PUBLIC_KEY: generateInternalKeyPair().publicKey,
  PORT: '0',
  HOST: '127.0.0.1',
};
const config = loadIdentityConfig(source);
const service = await startIdentity(config, createLogger('identity-staff', 'warn'), source);
await service.stop();
console.log(`Platform staff ${values.email} is ready (sign in with that email and password).`);
