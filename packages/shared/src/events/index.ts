export * from './catalogue.ts';
export * from './envelope.ts';
export * from './outbox.ts';
