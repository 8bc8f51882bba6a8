import {
  ANONYMOUS,
  API_KEY_PREFIX,
  type Principal,
  principalFromAccessClaims,
} from '@tradegraph/shared/edge';
import type { ApiKeyVerifier } from './api-keys.ts';
import { AuthenticationError } from './errors.ts';
import { type createJwtVerifier, tokenSubject } from './jwt.ts';
import type { RevocationList } from './revocations.ts';

export type Authenticate = (authorization: string | undefined, requestId: string) => Promise<Principal>;

/**
 * `Authorization: Bearer <token>` → the verified principal. No header means an
 * anonymous shopper; a `tgk_` token is an API key, anything else must be one of
 * identity's access tokens. Throws AuthenticationError / AuthUnavailableError.
 */
export function createAuthenticator(deps: {
  verifyJwt: ReturnType<typeof createJwtVerifier>;
  apiKeys: ApiKeyVerifier;
  /** Revocations learned from identity: revoked tokens are refused, revoked keys' cached answers dropped. */
  revocations?: RevocationList;
}): Authenticate {
  const { revocations } = deps;
  // A key's own revocation, its organisation's (suspension, a member leaving or
  // changing role: the key's creator may be that member) drop its cached introspection.
  revocations?.onRevocation((r) =>
    deps.apiKeys.forget(
      (p) => p.apiKeyId === r.apiKeyId || (!!r.organizationId && p.organizationId === r.organizationId),
    ),
  );
  return async (authorization, requestId) => {
    if (authorization === undefined) return ANONYMOUS;
    const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(authorization);
    if (!match) throw new AuthenticationError('The Authorization header must be "Bearer <token>"');
    const token = match[1]!;
    if (token.startsWith(API_KEY_PREFIX)) {
      const key = await deps.apiKeys.verify(token, requestId);
      if (revocations?.refusesApiKey(key.apiKeyId))
        throw new AuthenticationError('Invalid or revoked API key');
      return key;
    }
    const claims = await deps.verifyJwt(token);
    if (revocations?.refusesToken(tokenSubject(claims)))
      throw new AuthenticationError('Access token has been revoked');
    return principalFromAccessClaims(claims);
  };
}
