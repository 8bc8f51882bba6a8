import type { ServiceContext } from '@tradegraph/shared';
import type { __Pascal__Config } from './config.ts';

/** The service's long-lived collaborators, reached through `ctx.services`. */
export interface __Pascal__Services {
  config: __Pascal__Config;
}

/** What every resolver and domain function of this subgraph receives (the kernel's context). */
export type __Pascal__Context = ServiceContext<__Pascal__Services>;
