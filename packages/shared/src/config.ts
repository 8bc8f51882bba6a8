/**
 * Environment configuration, validated once at start-up. Every problem is
 * collected and reported together, so a misconfigured process fails with one
 * readable message instead of a stack trace from deep inside a driver.
 */

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * For a process's entry point: a ConfigError becomes its list of problems on
 * stderr (no stack trace: the operator needs the settings, not our frames) and
 * exit code 1; anything else is rethrown.
 */
export function exitOnConfigError(err: unknown, processName: string): never {
  if (!(err instanceof ConfigError)) throw err;
  const count = err.problems.length === 1 ? 'one problem' : `${err.problems.length} problems`;
  process.stderr.write(
    `${processName}: invalid configuration (${count}):\n${err.problems.map((p) => `  - ${p}`).join('\n')}\n`,
  );
  process.exit(1);
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * The log level to build a logger with before the configuration is validated:
 * `raw` when it is a level, else `info` (validation then reports the bad value
 * in its list instead of the logger throwing first).
 */
export function logLevelOrDefault(raw: string | undefined): (typeof LOG_LEVELS)[number] {
  return LOG_LEVELS.includes(raw as (typeof LOG_LEVELS)[number])
    ? (raw as (typeof LOG_LEVELS)[number])
    : 'info';
}

type Parser<T> = {
  parse(raw: string | undefined, name: string): T;
  describe: string;
};

type Options<T> = { default?: T; optional?: boolean; doc?: string };

function make<T>(describe: string, conv: (raw: string, name: string) => T, opts: Options<T>): Parser<T> {
  return {
    describe: opts.doc ?? describe,
    parse(raw, name) {
      if (raw === undefined || raw === '') {
        if (opts.default !== undefined) return opts.default;
        if (opts.optional) return undefined as T;
        throw new Error(`${name} is required (${describe})`);
      }
      return conv(raw, name);
    },
  };
}

export const env = {
  string: <T extends string = string>(opts: Options<T> = {}) => make<T>('a string', (r) => r as T, opts),
  int: (opts: Options<number> & { min?: number; max?: number } = {}) =>
    make<number>(
      'an integer',
      (r, name) => {
        const n = Number(r);
        if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got "${r}"`);
        if (opts.min !== undefined && n < opts.min)
          throw new Error(`${name} must be >= ${opts.min}, got ${n}`);
        if (opts.max !== undefined && n > opts.max)
          throw new Error(`${name} must be <= ${opts.max}, got ${n}`);
        return n;
      },
      opts,
    ),
  bool: (opts: Options<boolean> = {}) =>
    make<boolean>(
      'true or false',
      (r, name) => {
        if (/^(1|true|yes|on)$/i.test(r)) return true;
        if (/^(0|false|no|off)$/i.test(r)) return false;
        throw new Error(`${name} must be true or false, got "${r}"`);
      },
      opts,
    ),
  oneOf: <T extends string>(values: readonly T[], opts: Options<T> = {}) =>
    make<T>(
      `one of ${values.join(', ')}`,
      (r, name) => {
        if (!values.includes(r as T))
          throw new Error(`${name} must be one of ${values.join(', ')}, got "${r}"`);
        return r as T;
      },
      opts,
    ),
  url: (opts: Options<string> = {}) =>
    make<string>(
      'a URL',
      (r, name) => {
        try {
          new URL(r);
        } catch {
          throw new Error(`${name} must be a URL, got "${r}"`);
        }
        return r;
      },
      opts,
    ),
  list: (opts: Options<string[]> = {}) =>
    make<string[]>(
      'a comma-separated list',
      (r) =>
        r
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      opts,
    ),
};

export type Spec = Record<string, Parser<unknown>>;
export type ConfigOf<S extends Spec> = { [K in keyof S]: S[K] extends Parser<infer T> ? T : never };

/** Reads and validates `spec` from `source` (process.env by default); throws ConfigError listing every problem. */
export function loadConfig<S extends Spec>(
  spec: S,
  source: Record<string, string | undefined> = process.env,
): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, parser] of Object.entries(spec)) {
    try {
      out[name] = parser.parse(source[name], name);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return out as ConfigOf<S>;
}

/** Settings every process shares. */
export const commonEnv = {
  NODE_ENV: env.oneOf(['development', 'production', 'test'] as const, { default: 'development' }),
  LOG_LEVEL: env.oneOf(LOG_LEVELS, { default: 'info' }),
};

/** MySQL connection settings shared by every service that owns a database. */
export const databaseEnv = {
  DB_HOST: env.string({ default: '127.0.0.1' }),
  DB_PORT: env.int({ default: 3306, min: 1, max: 65535 }),
  DB_USER: env.string({ default: 'root' }),
  DB_PASSWORD: env.string({ default: '' }),
  /** Prefix of every database name this deployment owns (tests use a unique one per file). */
  DB_PREFIX: env.string({ default: 'tg_' }),
  DB_POOL_MAX: env.int({ default: 10, min: 1, max: 500 }),
};
