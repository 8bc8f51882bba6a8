export * from './config.ts';
export * from './logger.ts';
export * from './auth/principal.ts';
export * from './auth/internal-token.ts';
export * from './auth/access-token.ts';
