import type { AccessTokenClaims, Logger, Principal } from '@tradegraph/shared';
import { GraphQLError } from 'graphql';
import { decodeJwt } from 'jose';
import type { Authenticate } from '../auth/authenticate.ts';
import { tokenSubject } from '../auth/jwt.ts';
import type { RevocationList, TokenSubject } from '../auth/revocations.ts';

/**
 * Who holds a subscription connection (WebSocket) or stream (SSE), and until
 * when: an access token ends at its `exp` or when identity revokes it (the
 * router's RevocationList), an API key when it is revoked (re-introspected on
 * every revocation of the key or its organisation). A client may replace the
 * token on a live connection (`refresh`, docs/subscriptions.md); it must be for
 * the same user and organisation.
 */
export interface Session {
  principal: Principal;
  /** ms since the epoch; null for anonymous callers and API keys. */
  expiresAt: number | null;
  subject: TokenSubject | null;
  apiKeyId: string | null;
  /** Why it ended (the error every subscription of the session gets); undefined while live. */
  ended: GraphQLError | undefined;
  /** Called once when the session ends. */
  onEnd: Set<(reason: GraphQLError) => void>;
  timer: NodeJS.Timeout | undefined;
  /** An API key as presented (re-checked on revocations of the key); undefined for tokens. */
  authorization: string | undefined;
}

export const SESSION_EXPIRED = 'Access token expired; subscribe again with a fresh token';
export const SESSION_REVOKED = 'Access has been revoked';

export class SessionRegistry {
  readonly #authenticate: Authenticate;
  readonly #live = new Set<Session>();
  readonly #logger: Logger;

  constructor(authenticate: Authenticate, revocations: RevocationList | undefined, logger: Logger) {
    this.#authenticate = authenticate;
    this.#logger = logger;
    revocations?.onRevocation((r) => {
      for (const session of this.#live) {
        if (session.subject && revocations.refusesToken(session.subject)) {
          this.end(session, SESSION_REVOKED);
        } else if (
          session.apiKeyId &&
          (r.apiKeyId === session.apiKeyId ||
            (r.organizationId !== null &&
              session.principal.kind === 'apiKey' &&
              session.principal.organizationId === r.organizationId))
        ) {
          // The key's cached introspection was just dropped: ask identity again.
          this.#authenticate(session.authorization, 'subscription-recheck').then(
            (p) => {
              if (p.kind !== 'apiKey' || p.apiKeyId !== session.apiKeyId) this.end(session, SESSION_REVOKED);
            },
            () => this.end(session, SESSION_REVOKED),
          );
        }
      }
    });
  }

  get size(): number {
    return this.#live.size;
  }

  /** Authenticates `authorization` (as the HTTP path does); throws AuthenticationError / AuthUnavailableError. */
  async open(authorization: string | undefined, requestId: string): Promise<Session> {
    const principal = await this.#authenticate(authorization, requestId);
    const session: Session = {
      principal,
      expiresAt: null,
      subject: null,
      apiKeyId: principal.kind === 'apiKey' ? principal.apiKeyId : null,
      ended: undefined,
      onEnd: new Set(),
      timer: undefined,
      // Only an API key is re-checked with it; a token (~700 bytes per subscriber) is not kept.
      authorization: principal.kind === 'apiKey' ? authorization : undefined,
    };
    this.#applyToken(session, authorization);
    this.#live.add(session);
    return session;
  }

  /** Replaces the session's token with `authorization`, which must name the same user and organisation. */
  async refresh(session: Session, authorization: string, requestId: string): Promise<void> {
    const principal = await this.#authenticate(authorization, requestId);
    if (identityOf(principal) !== identityOf(session.principal)) {
      throw new GraphQLError('A refreshed token must be for the same user and organisation', {
        extensions: { code: 'FORBIDDEN' },
      });
    }
    session.principal = principal;
    session.authorization = principal.kind === 'apiKey' ? authorization : undefined;
    this.#applyToken(session, authorization);
  }

  /** Ends the session (once): every subscription gets `message` as an UNAUTHENTICATED error. */
  end(session: Session, message: string, code = 'UNAUTHENTICATED'): void {
    if (session.ended) return;
    session.ended = new GraphQLError(message, { extensions: { code } });
    clearTimeout(session.timer);
    this.#live.delete(session);
    for (const listener of session.onEnd) listener(session.ended);
    session.onEnd.clear();
    this.#logger.debug({ principal: session.principal.kind, message }, 'subscription session ended');
  }

  /** Forgets a session whose connection closed. */
  close(session: Session): void {
    clearTimeout(session.timer);
    this.#live.delete(session);
  }

  #applyToken(session: Session, authorization: string | undefined): void {
    clearTimeout(session.timer);
    session.expiresAt = null;
    session.subject = null;
    const token = /^Bearer[ ]+(\S+)[ ]*$/i.exec(authorization ?? '')?.[1];
    if (!token || session.principal.kind === 'apiKey' || session.principal.kind === 'anonymous') return;
    // Already verified by authenticate(): only its times and ids are read here.
    const claims = decodeJwt(token);
    if (typeof claims.exp === 'number') {
      session.expiresAt = claims.exp * 1000;
      const wait = Math.min(session.expiresAt - Date.now(), 2_147_483_647);
      session.timer = setTimeout(() => this.end(session, SESSION_EXPIRED), Math.max(0, wait));
      session.timer.unref();
    }
    if (typeof claims.sub === 'string') session.subject = tokenSubject(claims as AccessTokenClaims);
  }
}

/** Who a principal is, ignoring what it may do (a refresh may change permissions, not the person). */
function identityOf(p: Principal): string {
  switch (p.kind) {
    case 'user':
      return `user:${p.userId}:${p.organizationId ?? ''}`;
    case 'apiKey':
      return `key:${p.apiKeyId}`;
    case 'customer':
      return `customer:${p.customerId}`;
    default:
      return p.kind;
  }
}

/**
 * What a subgraph may decide visibility on: two subscribers with the same scope
 * see the same events and fields, so they share one upstream subscription.
 */
export function scopeOf(p: Principal): string {
  switch (p.kind) {
    case 'user':
      if (!p.organizationId) return `user:${p.userId}`;
      return `org:${p.organizationId}:${p.organizationKind}:${[...p.permissions].sort().join(',')}`;
    case 'apiKey':
      return `org:${p.organizationId}:${p.organizationKind}:${[...p.permissions].sort().join(',')}`;
    case 'customer':
      return `customer:${p.customerId}`;
    default:
      return p.kind;
  }
}

/** Whose quota a subscription counts against: its organisation, else the person, else the client address. */
export function quotaKeyOf(p: Principal, clientIp: string): string {
  if ((p.kind === 'user' || p.kind === 'apiKey') && p.organizationId) return `org:${p.organizationId}`;
  if (p.kind === 'user') return `user:${p.userId}`;
  if (p.kind === 'customer') return `customer:${p.customerId}`;
  return `ip:${clientIp}`;
}
