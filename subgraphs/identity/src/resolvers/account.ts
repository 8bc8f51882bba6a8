import { write } from '@tradegraph/shared';
import { identityPayload, uniqueKeyError, unlessRefused } from '../domain/errors.ts';
import {
  changePassword,
  noSoonerThan,
  RESET_REQUEST_MIN_MS,
  requestPasswordReset,
  resetPassword,
} from '../domain/password-changes.ts';
import { changeEmail, resendVerification, verifyEmail } from '../domain/verification.ts';
import type { MutationResolvers } from '../generated/resolvers.ts';

/**
 * The account's own email and password. 'public' units: the token in the
 * input (verifyEmail, resetPassword) or the signed-in person (the others,
 * checked by the domain) is the authority, not an organisation permission.
 * A verified address another account took concurrently loses on the unique key.
 */
const ACCOUNT = {
  permission: 'public',
  tenant: 'service',
  uniqueKeys: {
    users_email_uq: uniqueKeyError('EMAIL_TAKEN', 'Another account now uses this email address', 'token'),
  },
} as const;

export const accountMutations = {
  verifyEmail: async (_, { input }, ctx) => {
    const { verified, userErrors } = await identityPayload('verified', () =>
      write(ctx, ACCOUNT, (tx) => verifyEmail(tx, input)),
    );
    return { email: verified?.email ?? null, userErrors };
  },
  resendVerification: async (_, __, ctx) => {
    const { sent, userErrors } = await identityPayload('sent', () =>
      write(ctx, ACCOUNT, (tx) => resendVerification(tx)),
    );
    return { email: sent?.email ?? null, userErrors };
  },
  changeEmail: async (_, { input }, ctx) => {
    const { change, userErrors } = await identityPayload('change', async () =>
      unlessRefused(await write(ctx, ACCOUNT, (tx) => changeEmail(tx, input))),
    );
    return { pendingEmail: change?.pendingEmail ?? null, userErrors };
  },
  requestPasswordReset: async (_, { input }, ctx) => {
    const { success, userErrors } = await identityPayload('success', () =>
      noSoonerThan(RESET_REQUEST_MIN_MS, () => write(ctx, ACCOUNT, (tx) => requestPasswordReset(tx, input))),
    );
    return { success: success ?? false, userErrors };
  },
  resetPassword: async (_, { input }, ctx) => {
    const { success, userErrors } = await identityPayload('success', () =>
      write(ctx, ACCOUNT, (tx) => resetPassword(tx, input)),
    );
    return { success: success ?? false, userErrors };
  },
  changePassword: async (_, { input }, ctx) => {
    const { session, userErrors } = await identityPayload('session', async () =>
      unlessRefused(await write(ctx, ACCOUNT, (tx) => changePassword(tx, input))),
    );
    return {
      accessToken: session?.accessToken ?? null,
      refreshToken: session?.refreshToken ?? null,
      expiresAt: session?.expiresAt ?? null,
      userErrors,
    };
  },
} satisfies Pick<
  MutationResolvers,
  | 'verifyEmail'
  | 'resendVerification'
  | 'changeEmail'
  | 'requestPasswordReset'
  | 'resetPassword'
  | 'changePassword'
>;
