import { hasPermission, type Principal } from '@tradegraph/shared';

/** True when the principal works for `retailerId` and may read its storefronts (drafts, hidden listings). */
export function isOwner(principal: Principal, retailerId: string): boolean {
  return (
    (principal.kind === 'user' || principal.kind === 'apiKey') &&
    principal.organizationId === retailerId &&
    hasPermission(principal, 'storefronts:read')
  );
}
