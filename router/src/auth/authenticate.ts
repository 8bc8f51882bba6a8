import { ANONYMOUS, API_KEY_PREFIX, type Principal, principalFromAccessClaims } from '@tradegraph/shared';
import type { ApiKeyVerifier } from './api-keys.ts';
import { AuthenticationError } from './errors.ts';
import type { createJwtVerifier } from './jwt.ts';

export type Authenticate = (authorization: string | undefined, requestId: string) => Promise<Principal>;

/**
 * `Authorization: Bearer <token>` → the verified principal. No header means an
 * anonymous shopper; a `tgk_` token is an API key, anything else must be one of
 * identity's access tokens. Throws AuthenticationError / AuthUnavailableError.
 */
export function createAuthenticator(deps: {
  verifyJwt: ReturnType<typeof createJwtVerifier>;
  apiKeys: ApiKeyVerifier;
}): Authenticate {
  return async (authorization, requestId) => {
    if (authorization === undefined) return ANONYMOUS;
    const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(authorization);
    if (!match) throw new AuthenticationError('The Authorization header must be "Bearer <token>"');
    const token = match[1]!;
    if (token.startsWith(API_KEY_PREFIX)) return deps.apiKeys.verify(token, requestId);
    return principalFromAccessClaims(await deps.verifyJwt(token));
  };
}
