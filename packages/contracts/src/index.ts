/**
 * Every domain event contract. Importing this module (once, where a process
 * builds its publishers and consumers) adds the events to the kernel's typed
 * catalogue and registers their versions, so the bus accepts their handlers.
 */
export * from './catalog.ts';
export * from './identity.ts';
export * from './notifications.ts';
export * from './orders.ts';
export * from './payments.ts';
export * from './platform.ts';
export * from './retailer.ts';
export * from './supplier.ts';
