import { cacheInvalidationsMigration } from '@tradegraph/shared';
import { InitIdentity } from './0001-init.ts';
import { AccessRevocations } from './0002-access-revocations.ts';
import { EmailVerification } from './0003-email-verification.ts';
import { ConsumedEvents } from './0004-consumed-events.ts';

export const migrations = [
  InitIdentity,
  AccessRevocations,
  EmailVerification,
  ConsumedEvents,
  // the router's cache invalidations (events/cache-invalidations.ts)
  cacheInvalidationsMigration('0005-cache-invalidations'),
];
