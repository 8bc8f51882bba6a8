/** The caller's credentials are missing, malformed, invalid or expired: HTTP 401. */
export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
}

/** The caller could not be verified because identity (JWKS or API-key introspection) is unreachable: HTTP 503. */
export class AuthUnavailableError extends Error {
  override name = 'AuthUnavailableError';
}
