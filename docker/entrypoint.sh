#!/bin/sh
# Runs the process named by $SERVICE.
set -e
case "$SERVICE" in
  router) exec node --disable-warning=ExperimentalWarning router/src/main.ts ;;
  "") echo "set SERVICE (router, identity, …)" >&2; exit 2 ;;
  *) exec node --disable-warning=ExperimentalWarning "subgraphs/$SERVICE/src/main.ts" ;;
esac
