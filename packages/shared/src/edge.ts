/**
 * `@tradegraph/shared/edge`: the part of the kernel a process that serves no
 * subgraph needs (the router): settings, logging, metrics, principals and
 * tokens, tracing, HTTP body helpers, signal handling. Unlike the package's
 * main entry it loads no ORM, database or event-bus driver and no subgraph
 * server: importing the main entry costs the router ~35 MiB of resident memory
 * it never uses (docs/router.md).
 */
export * from './auth/access-token.ts';
export * from './auth/internal-token.ts';
export * from './auth/principal.ts';
export * from './config.ts';
export * from './http/body.ts';
export * from './http/signals.ts';
export * from './logger.ts';
export * from './metrics.ts';
export * from './telemetry/index.ts';
