import { InitIdentity } from './0001-init.ts';
import { AccessRevocations } from './0002-access-revocations.ts';

export const migrations = [InitIdentity, AccessRevocations];
