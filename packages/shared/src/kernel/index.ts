export * from './cache-invalidations.ts';
export * from './consistency.ts';
export * from './context.ts';
export * from './live-feed.ts';
export * from './periodic.ts';
export * from './projections.ts';
export * from './tenants.ts';
export * from './unit-of-work.ts';
