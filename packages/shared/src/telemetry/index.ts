export * from './kernel.ts';
export * from './tracing.ts';
