import { InitIdentity } from './0001-init.ts';
import { AccessRevocations } from './0002-access-revocations.ts';
import { EmailVerification } from './0003-email-verification.ts';
import { ConsumedEvents } from './0004-consumed-events.ts';

export const migrations = [InitIdentity, AccessRevocations, EmailVerification, ConsumedEvents];
