import type { CacheInvalidationRules } from '@tradegraph/shared';

/**
 * What identity's changes make stale in the router's entity cache
 * (docs/events.md, "Cache invalidations"): the public profile of an
 * organisation (name, slug, kind, status, description, website, country),
 * which every change announces with `identity.organization.created` or
 * `.updated` (profile edits, and suspensions and reactivations by the platform).
 */
export const identityCacheInvalidations: CacheInvalidationRules = {
  published: (e) => {
    switch (e.type) {
      case 'identity.organization.created':
      case 'identity.organization.updated':
        return [{ type: 'Organization', ids: [e.payload.organizationId] }];
      default:
        return [];
    }
  },
};
