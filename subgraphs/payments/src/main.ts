import { runSubgraphMain } from '@tradegraph/shared';
import { start } from './service.ts';

await runSubgraphMain('payments', (env) => start(env));
