import type { ApolloServerPlugin } from '@apollo/server';
import type { RouterContext } from './context.ts';
import { isExpectedErrorCode } from './errors.ts';
import type { RouterMetrics } from './metrics.ts';

/**
 * Records the resolved operation on the context (for the access log), logs
 * unexpected errors with the request id before they are masked, and counts
 * operations.
 */
export function routerPlugin(metrics: RouterMetrics): ApolloServerPlugin<RouterContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(rc) {
          rc.contextValue.operation.name = rc.operationName ?? null;
          rc.contextValue.operation.type = rc.operation?.operation;
        },
        async didEncounterErrors(rc) {
          for (const error of rc.errors) {
            const code = error.extensions?.code;
            if (isExpectedErrorCode(code)) continue;
            rc.contextValue.logger.error(
              { err: error.originalError ?? error, path: error.path, code },
              'unexpected error while executing an operation',
            );
          }
        },
        async willSendResponse(rc) {
          metrics.operations.inc({
            type: rc.operation?.operation ?? 'unknown',
            outcome: rc.errors?.length ? 'error' : 'ok',
          });
        },
      };
    },
  };
}
