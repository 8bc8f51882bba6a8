import { InitOrders } from './0001-init.ts';
import { PlatformFees } from './0002-platform-fees.ts';

export const migrations = [InitOrders, PlatformFees];
