import { type Logger, write } from '@tradegraph/shared';
import type { IdentityContext } from '../services.ts';
import { emailTaken } from '../store/accounts.ts';
import { addMembership, createUser } from './accounts.ts';
import { createOrganization } from './organizations.ts';
import { checkPasswordStrength, normaliseEmail } from './passwords.ts';

/**
 * PLATFORM organisations cannot sign up through the API. The operator's first
 * administrator is bootstrapped from PLATFORM_ADMIN_EMAIL / _PASSWORD at
 * start (in a system context); later staff are invited by them. Idempotent:
 * nothing happens once the account exists.
 */
export async function ensurePlatformAdmin(
  ctx: IdentityContext,
  logger: Logger,
  input: { email: string; password: string; name: string; organizationName: string },
): Promise<void> {
  const email = normaliseEmail(input.email, 'PLATFORM_ADMIN_EMAIL');
  if (await emailTaken(ctx, email)) return;
  const password = checkPasswordStrength(input.password, 'PLATFORM_ADMIN_PASSWORD');
  await write(ctx, { permission: 'system', tenant: 'service' }, async (tx) => {
    const user = await createUser(tx, {
      email,
      name: input.name,
      password,
      kind: 'MEMBER',
      // The operator's own address, from its configuration.
      emailVerified: true,
    });
    const org = await createOrganization(tx, {
      name: input.organizationName,
      kind: 'PLATFORM',
      createdByUserId: user.id,
    });
    addMembership(tx, { organizationId: org.id, userId: user.id, role: 'OWNER' });
  });
  logger.info({ email }, 'platform administrator created');
}
