import { runSubgraphMain } from '@tradegraph/shared';
import { start } from './service.ts';

await runSubgraphMain('__service__', (env) => start(env));
