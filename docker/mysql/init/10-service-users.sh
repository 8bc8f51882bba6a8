# One MySQL account per Tradegraph service, allowed only into its own databases and the event log:
#   <prefix><service>            the service database          (tg_catalog)
#   <prefix><service>_*          its tenant databases           (tg_catalog_<tenant>)
#   <prefix><EVENTS_DB_NAME>     the MySQL event log (shared)   (tg_events)
# plus <prefix>exporter for mysqld-exporter (status only) when DB_PASSWORD_EXPORTER is set.
# The account is named like its service database (tg_catalog) and its password comes from
# DB_PASSWORD_<SERVICE> (docker/.env, made by `npm run env:docker`).
#
# The mysql image's entrypoint sources this file on the first start (empty data directory), where
# docker_process_sql runs SQL as root. Anywhere else it prints the SQL, e.g. for a managed MySQL:
#   set -a; . docker/.env; set +a; sh docker/mysql/init/10-service-users.sh | mysql -h <host> -u root -p
# Running it again is safe: it creates missing accounts and resets passwords to the given ones.
# No `set -e`/`exit` here: when sourced, those would apply to the image's entrypoint.

tradegraph_service_users_sql() {
  tg_prefix="${DB_PREFIX:-tg_}"
  tg_events="${EVENTS_DB_NAME:-events}"
  # `_` and `%` are wildcards in a GRANT's database name: escape the literal underscores.
  tg_like_prefix=$(printf '%s' "$tg_prefix" | sed 's/_/\\_/g')
  tg_like_events=$(printf '%s' "$tg_events" | sed 's/_/\\_/g')
  # What migrations and the unit of work need inside a service's own databases; no global privilege.
  tg_privileges='SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, REFERENCES, TRIGGER, CREATE TEMPORARY TABLES, LOCK TABLES, CREATE VIEW, SHOW VIEW'
  for tg_service in ${TRADEGRAPH_SERVICES:-identity catalog supplier retailer orders payments notifications platform}; do
    tg_var="DB_PASSWORD_$(printf '%s' "$tg_service" | tr '[:lower:]' '[:upper:]')"
    eval "tg_password=\${$tg_var:-}"
    case "$tg_password" in
      "") echo "10-service-users: $tg_var is not set (npm run env:docker writes it)" >&2; return 1 ;;
      *[!A-Za-z0-9]*) echo "10-service-users: $tg_var must be letters and digits only" >&2; return 1 ;;
    esac
    tg_user="${tg_prefix}${tg_service}"
    tg_like_service=$(printf '%s' "$tg_service" | sed 's/_/\\_/g')
    printf "CREATE USER IF NOT EXISTS '%s'@'%%' IDENTIFIED BY '%s';\n" "$tg_user" "$tg_password"
    printf "ALTER USER '%s'@'%%' IDENTIFIED BY '%s';\n" "$tg_user" "$tg_password"
    printf "GRANT %s ON \`%s%s\`.* TO '%s'@'%%';\n" "$tg_privileges" "$tg_like_prefix" "$tg_like_service" "$tg_user"
    printf "GRANT %s ON \`%s%s\\\\_%%\`.* TO '%s'@'%%';\n" "$tg_privileges" "$tg_like_prefix" "$tg_like_service" "$tg_user"
    printf "GRANT %s ON \`%s%s\`.* TO '%s'@'%%';\n" "$tg_privileges" "$tg_like_prefix" "$tg_like_events" "$tg_user"
  done
  # mysqld-exporter (observability profile): server status only, no access to any table's rows.
  if [ -n "${DB_PASSWORD_EXPORTER:-}" ]; then
    case "$DB_PASSWORD_EXPORTER" in
      *[!A-Za-z0-9]*) echo "10-service-users: DB_PASSWORD_EXPORTER must be letters and digits only" >&2; return 1 ;;
    esac
    printf "CREATE USER IF NOT EXISTS '%sexporter'@'%%' IDENTIFIED BY '%s' WITH MAX_USER_CONNECTIONS 3;\n" "$tg_prefix" "$DB_PASSWORD_EXPORTER"
    printf "ALTER USER '%sexporter'@'%%' IDENTIFIED BY '%s';\n" "$tg_prefix" "$DB_PASSWORD_EXPORTER"
    printf "GRANT PROCESS, REPLICATION CLIENT ON *.* TO '%sexporter'@'%%';\n" "$tg_prefix"
    printf "GRANT SELECT ON performance_schema.* TO '%sexporter'@'%%';\n" "$tg_prefix"
  fi
}

if command -v docker_process_sql >/dev/null 2>&1; then
  tradegraph_service_users_sql | docker_process_sql
else
  tradegraph_service_users_sql
fi
