import { describe, expect, it } from 'vitest';
import { parseRevocation, RevocationList } from '../src/auth/revocations.ts';

const rev = (o: Record<string, unknown>) =>
  parseRevocation({ revocationId: `rev_${Math.random()}`, notBefore: '2030-01-01T00:00:01.500Z', ...o })!;
const at = (iso: string) => Date.parse(iso);

describe('revocation list', () => {
  it('refuses a token matching every id of a revocation and issued before it, nothing else', () => {
    const list = new RevocationList();
    list.add(rev({ userId: 'u1', organizationId: 'o1' }));
    const token = {
      userId: 'u1',
      organizationId: 'o1',
      sessionId: 's1',
      issuedAt: at('2030-01-01T00:00:01.499Z'),
    };
    expect(list.refusesToken(token)).toBe(true);
    // Issued after the revocation (a new sign-in), for another organisation, or another user: served.
    expect(list.refusesToken({ ...token, issuedAt: at('2030-01-01T00:00:01.500Z') })).toBe(false);
    expect(list.refusesToken({ ...token, organizationId: 'o2' })).toBe(false);
    expect(list.refusesToken({ ...token, userId: 'u2' })).toBe(false);
  });

  it('matches sessions, whole organisations and API keys', () => {
    const list = new RevocationList();
    list.add(rev({ sessionId: 's9', userId: 'u9' }));
    list.add(rev({ organizationId: 'o7' }));
    list.add(rev({ apiKeyId: 'apk_1', organizationId: 'o8' }));
    const early = at('2030-01-01T00:00:00Z');
    expect(list.refusesToken({ userId: 'u9', organizationId: null, sessionId: 's9', issuedAt: early })).toBe(
      true,
    );
    expect(list.refusesToken({ userId: 'u9', organizationId: null, sessionId: 's8', issuedAt: early })).toBe(
      false,
    );
    expect(list.refusesToken({ userId: 'ux', organizationId: 'o7', sessionId: 's', issuedAt: early })).toBe(
      true,
    );
    // A key's revocation ends that key, not the tokens of its organisation.
    expect(list.refusesToken({ userId: 'ux', organizationId: 'o8', sessionId: 's', issuedAt: early })).toBe(
      false,
    );
    expect(list.refusesApiKey('apk_1')).toBe(true);
    expect(list.refusesApiKey('apk_2')).toBe(false);
  });

  it('tells listeners once per revocation, ignores non-revocations and forgets old ones', () => {
    const list = new RevocationList();
    const seen: string[] = [];
    list.onRevocation((r) => seen.push(r.id));
    const r = rev({ userId: 'u1' });
    expect(list.add(r)).toBe(true);
    expect(list.add(r)).toBe(false);
    expect(seen).toEqual([r.id]);
    expect(parseRevocation({ revocationId: 'x', notBefore: '2030-01-01T00:00:00Z' })).toBeNull();
    expect(parseRevocation({ revocationId: 'x', notBefore: 'soon', userId: 'u' })).toBeNull();
    list.prune(at('2030-01-03T00:00:00Z'));
    expect(list.size).toBe(0);
    expect(list.refusesToken({ userId: 'u1', organizationId: null, sessionId: null, issuedAt: 0 })).toBe(
      false,
    );
  });
});
