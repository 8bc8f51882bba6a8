import { runSubgraphMain } from '@tradegraph/shared';
import { start } from './service.ts';

await runSubgraphMain('notifications', (env) => start(env));
