import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  AppError,
  ConfigError,
  connectionOf,
  createErrorFormatter,
  createInternalTokenSigner,
  createInternalTokenVerifier,
  createLogger,
  decodeCursor,
  encodeCursor,
  env,
  fromMinorUnits,
  generateInternalKeyPair,
  InternalTokenError,
  loadConfig,
  loadInternalPrivateKey,
  loadInternalPublicKey,
  newId,
  type Principal,
  pageArgs,
  parseId,
  signInternalToken,
  toConnection,
  toMinorUnits,
  verifyInternalToken,
} from '../src/index.ts';

describe('config', () => {
  it('collects every problem into one readable error', () => {
    const spec = { PORT: env.int({ min: 1 }), MODE: env.oneOf(['a', 'b'] as const), NAME: env.string() };
    try {
      loadConfig(spec, { PORT: 'x', MODE: 'c' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toEqual([
        'PORT must be an integer, got "x"',
        'MODE must be one of a, b, got "c"',
        'NAME is required (a string)',
      ]);
    }
  });
  it('applies defaults and parses types', () => {
    const c = loadConfig(
      { PORT: env.int({ default: 4000 }), ON: env.bool({ default: false }), L: env.list() },
      { ON: 'yes', L: 'a, b,,c' },
    );
    expect(c).toEqual({ PORT: 4000, ON: true, L: ['a', 'b', 'c'] });
  });
});

describe('money', () => {
  it('round-trips decimal strings through integer minor units per currency exponent', () => {
    expect(toMinorUnits({ amount: '12.5', currencyCode: 'EUR' })).toBe(1250n);
    expect(fromMinorUnits(1250n, 'EUR')).toEqual({ amount: '12.50', currencyCode: 'EUR' });
    expect(toMinorUnits({ amount: '1500', currencyCode: 'JPY' })).toBe(1500n);
    expect(fromMinorUnits(1500, 'JPY').amount).toBe('1500');
    expect(fromMinorUnits(5n, 'KWD').amount).toBe('0.005');
    expect(fromMinorUnits(-7n, 'USD').amount).toBe('-0.07');
  });
  it('rejects too many decimals and bad currencies', () => {
    expect(() => toMinorUnits({ amount: '1.001', currencyCode: 'EUR' })).toThrow(/at most 2 decimal places/);
    expect(() => toMinorUnits({ amount: '1', currencyCode: 'eur' })).toThrow(/ISO 4217/);
    expect(() => toMinorUnits({ amount: '1e3', currencyCode: 'EUR' })).toThrow(/not a decimal/);
  });
});

describe('ids', () => {
  it('are type-prefixed, optionally tenant-routed, unique, and parse only as their own type', () => {
    const a = newId('prd', 'brand7');
    expect(parseId(a, 'prd')).toMatchObject({ prefix: 'prd', tenantKey: 'brand7' });
    expect(parseId(a, 'org')).toBeNull();
    expect(parseId('prd_../../etc', 'prd')).toBeNull();
    expect(new Set(Array.from({ length: 1000 }, () => newId('x'))).size).toBe(1000);
  });
});

describe('connections', () => {
  it('caps the page size and shapes pages with cursors', () => {
    expect(() => pageArgs({ first: 101 })).toThrow(/at most 100/);
    expect(() => pageArgs({ first: -1 })).toThrow();
    const page = pageArgs<number>({ first: 2 });
    const conn = toConnection([1, 2, 3], page, (n) => n, 3);
    expect(conn.nodes).toEqual([1, 2]);
    expect(conn.pageInfo.hasNextPage).toBe(true);
    expect(decodeCursor<number>(conn.pageInfo.endCursor!)).toBe(2);
    expect(() => pageArgs({ after: '%%%' })).toThrow(/cursor/);
  });

  it('makes the edges (a cursor per node) only when they are read', () => {
    const made: number[] = [];
    const cursorOf = (n: number) => {
      made.push(n);
      return encodeCursor(n);
    };
    const conn = connectionOf([1, 2, 3], cursorOf, { hasNextPage: false, hasPreviousPage: true }, 3);
    expect(conn.nodes).toEqual([1, 2, 3]);
    expect(conn.pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: true,
      startCursor: encodeCursor(1),
      endCursor: encodeCursor(3),
    });
    expect(made).toEqual([1, 3]);
    expect(conn.edges).toEqual([1, 2, 3].map((n) => ({ cursor: encodeCursor(n), node: n })));
    expect(conn.edges).toBe(conn.edges);
    expect(made).toEqual([1, 3, 1, 2, 3]);
    const empty = connectionOf([], cursorOf, { hasNextPage: false, hasPreviousPage: false }, 0);
    expect(empty.pageInfo.startCursor).toBeNull();
    expect(empty.pageInfo.endCursor).toBeNull();
    expect(empty.edges).toEqual([]);
  });
});

describe('error formatter', () => {
  const format = createErrorFormatter(createLogger('test', 'silent'));
  it('keeps AppError codes and masks everything else', () => {
    const coded = new GraphQLError('x', {
      originalError: new AppError('NOT_FOUND', 'Product not found'),
      path: ['product'],
    });
    expect(format({ message: 'x', path: ['product'] }, coded)).toMatchObject({
      message: 'Product not found',
      extensions: { code: 'NOT_FOUND' },
    });
    const leak = new GraphQLError('ER_DUP_ENTRY: secret sql', {
      originalError: new Error('ER_DUP_ENTRY: secret sql'),
      path: ['x'],
    });
    const masked = format(
      {
        message: 'ER_DUP_ENTRY: secret sql',
        path: ['x'],
        extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['a'] },
      },
      leak,
    );
    expect(masked).toEqual({
      message: 'Internal server error',
      path: ['x'],
      locations: undefined,
      extensions: { code: 'INTERNAL' },
    });
  });
  it('passes request-level errors through without stack traces', () => {
    const v = new GraphQLError('Cannot query field "nope"', {
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(
      format({ message: v.message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED', stacktrace: ['s'] } }, v),
    ).toEqual({
      message: v.message,
      locations: undefined,
      path: undefined,
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });
});

describe('internal tokens', () => {
  it('verify only with the router key, the right audience and within their lifetime', async () => {
    const pair = generateInternalKeyPair();
    const priv = loadInternalPrivateKey(pair.privateKey);
    const pub = loadInternalPublicKey(Buffer.from(pair.publicKey).toString('base64'));
    const token = await signInternalToken(priv, 'catalog', {
      principal: { kind: 'anonymous' },
      requestId: 'r1',
    });
    await expect(verifyInternalToken(pub, 'catalog', token)).resolves.toMatchObject({
      requestId: 'r1',
      principal: { kind: 'anonymous' },
    });
    await expect(verifyInternalToken(pub, 'identity', token)).rejects.toBeInstanceOf(InternalTokenError);
    const other = generateInternalKeyPair();
    await expect(
      verifyInternalToken(loadInternalPublicKey(other.publicKey), 'catalog', token),
    ).rejects.toBeInstanceOf(InternalTokenError);
    const expired = await signInternalToken(
      priv,
      'catalog',
      { principal: { kind: 'anonymous' }, requestId: 'r' },
      -30,
    );
    await expect(verifyInternalToken(pub, 'catalog', expired)).rejects.toBeInstanceOf(InternalTokenError);
    await expect(verifyInternalToken(pub, 'catalog', undefined)).rejects.toThrow(/missing/);
  });
});

describe('internal token reuse', () => {
  const pair = generateInternalKeyPair();
  const priv = loadInternalPrivateKey(pair.privateKey);
  const pub = loadInternalPublicKey(pair.publicKey);
  const anonymous: Principal = { kind: 'anonymous' };
  const user: Principal = {
    kind: 'user',
    userId: 'usr_1',
    organizationId: 'org_1',
    organizationKind: 'BRAND',
    role: 'ADMIN',
    permissions: ['catalog:read'],
  };

  it('signs once per principal and audience within the reuse window, then signs afresh', async () => {
    let now = 1_000_000;
    const sign = createInternalTokenSigner(priv, { reuseSeconds: 10, now: () => now });
    const a = await sign('catalog', anonymous);
    expect(await sign('catalog', { kind: 'anonymous' })).toBe(a);
    expect(await sign('supplier', anonymous)).not.toBe(a);
    expect(await sign('catalog', user)).not.toBe(a);
    expect(
      await sign('catalog', { ...user, permissions: ['catalog:read', 'catalog:write'] } as Principal),
    ).not.toBe(await sign('catalog', user));
    await expect(verifyInternalToken(pub, 'catalog', a)).resolves.toEqual({ principal: anonymous });
    now += 10_001;
    await new Promise((r) => setTimeout(r, 1100)); // a new iat, so a different token
    expect(await sign('catalog', anonymous)).not.toBe(a);
  });

  it('keeps its cache bounded', async () => {
    const sign = createInternalTokenSigner(priv, { maxEntries: 2 });
    const first = await sign('a', anonymous);
    await sign('b', anonymous);
    await sign('c', anonymous);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await sign('a', anonymous)).not.toBe(first);
  });

  it('verifies a token once, remembers it only until it would expire, and hands out copies', async () => {
    let now = Date.now();
    const verify = createInternalTokenVerifier(pub, 'catalog', { now: () => now });
    const token = await signInternalToken(priv, 'catalog', { principal: user }, 30);
    const first = await verify(token);
    expect(first).toEqual({ principal: user });
    (first.principal as { userId: string }).userId = 'mutated';
    expect(await verify(token)).toEqual({ principal: user });
    // A cached token is refused once past expiry + tolerance, as jose would.
    now += 36_000;
    await expect(verify(token)).rejects.toBeInstanceOf(InternalTokenError);
  });

  it('never remembers a token that failed, and checks the audience and key', async () => {
    const verify = createInternalTokenVerifier(pub, 'catalog');
    const forged = await signInternalToken(
      loadInternalPrivateKey(generateInternalKeyPair().privateKey),
      'catalog',
      { principal: user },
    );
    await expect(verify(forged)).rejects.toBeInstanceOf(InternalTokenError);
    await expect(verify(forged)).rejects.toBeInstanceOf(InternalTokenError);
    const other = await signInternalToken(priv, 'identity', { principal: anonymous });
    await expect(verify(other)).rejects.toBeInstanceOf(InternalTokenError);
    await expect(verify(undefined)).rejects.toThrow(/missing/);
    const expired = await signInternalToken(priv, 'catalog', { principal: anonymous }, -30);
    await expect(verify(expired)).rejects.toBeInstanceOf(InternalTokenError);
  });
});

describe('consumer error classification', () => {
  it('treats deadlocks and lock wait timeouts (also wrapped) as lock conflicts, nothing else', async () => {
    const { isLockConflict } = await import('../src/events/consumer.ts');
    expect(
      isLockConflict(Object.assign(new Error('Deadlock found'), { code: 'ER_LOCK_DEADLOCK', errno: 1213 })),
    ).toBe(true);
    expect(
      isLockConflict(new Error('wrapped', { cause: Object.assign(new Error('x'), { errno: 1205 }) })),
    ).toBe(true);
    expect(isLockConflict(Object.assign(new Error('dup'), { code: 'ER_DUP_ENTRY', errno: 1062 }))).toBe(
      false,
    );
    expect(isLockConflict(new Error('boom'))).toBe(false);
  });
});
