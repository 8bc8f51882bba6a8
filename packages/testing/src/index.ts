export * from './eventually.ts';
export * from './harness.ts';
export * from './principals.ts';
