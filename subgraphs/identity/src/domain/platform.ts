import { forkEm, Loaders, type Logger, type Orm } from '@tradegraph/shared';
import { type IdentityContext, type IdentityServices, inTransaction } from '../context.ts';
import { User } from '../entities/index.ts';
import { addMembership, createUser } from './accounts.ts';
import { createOrganization } from './organizations.ts';
import { checkPasswordStrength, normaliseEmail } from './passwords.ts';

/**
 * PLATFORM organisations cannot sign up through the API. The operator's first
 * administrator is bootstrapped from PLATFORM_ADMIN_EMAIL / _PASSWORD at
 * start; later staff are invited by them. Idempotent: nothing happens once the
 * account exists.
 */
export async function ensurePlatformAdmin(
  orm: Orm,
  services: IdentityServices,
  logger: Logger,
  input: { email: string; password: string; name: string; organizationName: string },
): Promise<void> {
  const ctx: IdentityContext = {
    principal: { kind: 'router' },
    requestId: 'bootstrap',
    logger,
    loaders: new Loaders(),
    sql: { count: 0 },
    em: forkEm(orm),
    services,
  };
  const email = normaliseEmail(input.email, 'PLATFORM_ADMIN_EMAIL');
  if (await ctx.em.count(User, { email })) return;
  const password = checkPasswordStrength(input.password, 'PLATFORM_ADMIN_PASSWORD');
  await inTransaction(ctx, async (tx) => {
    const user = await createUser(tx, { email, name: input.name, password, kind: 'MEMBER' });
    const org = await createOrganization(tx, {
      name: input.organizationName,
      kind: 'PLATFORM',
      createdByUserId: user.id,
    });
    addMembership(tx, { organizationId: org.id, userId: user.id, role: 'OWNER' });
  });
  logger.info({ email }, 'platform administrator created');
}
