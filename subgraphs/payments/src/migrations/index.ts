import { InitPayments } from './0001-init.ts';
import { PlatformFees } from './0002-platform-fees.ts';

export const migrations = [InitPayments, PlatformFees];
