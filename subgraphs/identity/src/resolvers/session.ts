import { type UserError, UserErrors, userError } from '@tradegraph/shared';
import { type IdentityContext, inTransaction } from '../context.ts';
import { login, registerCustomer, signUp } from '../domain/accounts.ts';
import { acceptInvitation } from '../domain/members.ts';
import { findOrganization } from '../domain/organizations.ts';
import { endSession, refreshSession, type Session } from '../domain/sessions.ts';
import type { Organization, User } from '../entities/index.ts';
import type { MutationResolvers } from '../generated/resolvers.ts';

/** What every session-creating mutation answers (RegisterCustomerPayload has no organization field). */
interface SessionPayload {
  accessToken: string | null;
  refreshToken: string | null;
  expiresAt: Date | null;
  user: User | null;
  organization: Organization | null;
  userErrors: UserError[];
}

const failed = (errors: UserError[]): SessionPayload => ({
  accessToken: null,
  refreshToken: null,
  expiresAt: null,
  user: null,
  organization: null,
  userErrors: errors,
});

/** Runs a session-creating operation in one transaction and shapes the payload. */
async function sessionPayload(
  ctx: IdentityContext,
  run: (tx: IdentityContext) => Promise<Session | UserError[]>,
): Promise<SessionPayload> {
  let outcome: Session | UserError[];
  try {
    outcome = await inTransaction(ctx, run);
  } catch (err) {
    if (err instanceof UserErrors) return failed(err.errors);
    throw err;
  }
  if (Array.isArray(outcome)) return failed(outcome);
  return {
    accessToken: outcome.accessToken,
    refreshToken: outcome.refreshToken,
    expiresAt: outcome.expiresAt,
    user: outcome.user,
    organization: outcome.organizationId ? await findOrganization(ctx, outcome.organizationId) : null,
    userErrors: [],
  };
}

export const sessionMutations = {
  signUp: (_, { input }, ctx) => sessionPayload(ctx, (tx) => signUp(tx, input)),

  registerCustomer: (_, { input }, ctx) => sessionPayload(ctx, (tx) => registerCustomer(tx, input)),

  login: (_, { input }, ctx) =>
    sessionPayload(ctx, async (tx) => {
      const result = await login(tx, input);
      if ('session' in result) return result.session;
      return result.failure === 'TOO_MANY_ATTEMPTS'
        ? [userError('TOO_MANY_ATTEMPTS', 'Too many failed sign-in attempts; try again later')]
        : [userError('INVALID_CREDENTIALS', 'Invalid email or password')];
    }),

  refreshToken: (_, { input }, ctx) =>
    sessionPayload(ctx, async (tx) => {
      const result = await refreshSession(tx, input.refreshToken);
      if ('session' in result) return result.session;
      // The family revocation commits; the caller must sign in again.
      return [
        userError(
          'REFRESH_TOKEN_REUSED',
          'This refresh token was already used; the session has been ended',
          'refreshToken',
        ),
      ];
    }),

  acceptInvitation: (_, { input }, ctx) => sessionPayload(ctx, (tx) => acceptInvitation(tx, input)),

  logout: async (_, { input }, ctx) => {
    await inTransaction(ctx, (tx) => endSession(tx, input.refreshToken));
    return { success: true, userErrors: [] };
  },
} satisfies Pick<
  MutationResolvers,
  'signUp' | 'registerCustomer' | 'login' | 'refreshToken' | 'acceptInvitation' | 'logout'
>;
