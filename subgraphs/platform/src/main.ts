import { runSubgraphMain } from '@tradegraph/shared';
import { start } from './service.ts';

await runSubgraphMain('platform', (env) => start(env));
