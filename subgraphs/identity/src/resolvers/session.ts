import { write } from '@tradegraph/shared';
import { type EmailTaken, login, registerCustomer, signUp } from '../domain/accounts.ts';
import { identityPayload, type Refusal, uniqueKeyError, unlessRefused } from '../domain/errors.ts';
import { acceptInvitation } from '../domain/members.ts';
import { findOrganization } from '../domain/organizations.ts';
import { endSession, refreshSession, type Session } from '../domain/sessions.ts';
import type { MutationResolvers } from '../generated/resolvers.ts';
import type { IdentityContext, IdentityTx } from '../services.ts';

/**
 * Session-creating mutations are public: the credentials are in the input. A
 * concurrent sign-up with the same email, or a second acceptance racing the
 * first, loses on the unique key and gets the same answer as a sequential one.
 */
const PUBLIC = {
  permission: 'public',
  tenant: 'service',
  uniqueKeys: {
    users_email_uq: uniqueKeyError('EMAIL_TAKEN', 'An account with this email already exists', 'email'),
    memberships_org_user_uq: uniqueKeyError('ALREADY_MEMBER', 'You are already a member', 'token'),
  },
} as const;

/**
 * Runs a session-creating operation in one unit of work and shapes the payload
 * every such mutation answers (RegisterCustomerPayload ignores `organization`).
 * A refusal (failed login, reused refresh token) commits, then is reported.
 */
async function sessionPayload(
  ctx: IdentityContext,
  run: (tx: IdentityTx) => Promise<Session | EmailTaken | Refusal>,
) {
  const outcome = await identityPayload('session', async () => unlessRefused(await write(ctx, PUBLIC, run)));
  // A taken email (or a concurrent registration of it winning the unique key)
  // answers like a success without a session: nothing tells the caller it is registered.
  const session = outcome.session && !('emailTaken' in outcome.session) ? outcome.session : null;
  const userErrors = outcome.userErrors.filter((e) => e.code !== 'EMAIL_TAKEN');
  return {
    accessToken: session?.accessToken ?? null,
    refreshToken: session?.refreshToken ?? null,
    expiresAt: session?.expiresAt ?? null,
    user: session?.user ?? null,
    organization: session?.organizationId ? await findOrganization(ctx, session.organizationId) : null,
    userErrors,
  };
}

export const sessionMutations = {
  signUp: (_, { input }, ctx) => sessionPayload(ctx, (tx) => signUp(tx, input)),
  registerCustomer: (_, { input }, ctx) => sessionPayload(ctx, (tx) => registerCustomer(tx, input)),
  login: (_, { input }, ctx) => sessionPayload(ctx, (tx) => login(tx, input)),
  refreshToken: (_, { input }, ctx) => sessionPayload(ctx, (tx) => refreshSession(tx, input.refreshToken)),
  acceptInvitation: (_, { input }, ctx) => sessionPayload(ctx, (tx) => acceptInvitation(tx, input)),
  logout: async (_, { input }, ctx) => {
    await write(ctx, PUBLIC, (tx) => endSession(tx, input.refreshToken));
    return { success: true, userErrors: [] };
  },
} satisfies Pick<
  MutationResolvers,
  'signUp' | 'registerCustomer' | 'login' | 'refreshToken' | 'acceptInvitation' | 'logout'
>;
