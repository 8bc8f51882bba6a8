#!/bin/sh
# Runs the process named by $SERVICE; `migrate` as the first argument applies that service's
# migrations (service database, tenant databases, event-log tables) and exits.
set -e
case "$SERVICE" in
  "") echo "set SERVICE (router, identity, catalog, …)" >&2; exit 2 ;;
  router)
    [ "${1:-}" = migrate ] && { echo "the router has no database to migrate" >&2; exit 2; }
    exec node --disable-warning=ExperimentalWarning router/src/main.ts ;;
  *)
    if [ "${1:-}" = migrate ]; then exec node --disable-warning=ExperimentalWarning docker/migrate.ts "$SERVICE"; fi
    exec node --disable-warning=ExperimentalWarning "subgraphs/$SERVICE/src/main.ts" ;;
esac
