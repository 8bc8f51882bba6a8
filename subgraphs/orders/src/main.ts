import { runSubgraphMain } from '@tradegraph/shared';
import { start } from './service.ts';

await runSubgraphMain('orders', (env) => start(env));
