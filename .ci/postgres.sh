# PostgreSQL for the tests of export/postgres, sourced by .ci/run: pg_start installs the
# server from Debian's packages when it is missing, starts a throwaway cluster owned by the
# postgres user on a unix socket in a temporary directory under /tmp (no TCP port, trust
# authentication), and exports IMEDNET_TEST_POSTGRES and IMEDNET_REQUIRE_POSTGRES=1 so that
# the tests run against it and never skip; pg_stop stops it and removes the directory.
# With IMEDNET_TEST_POSTGRES already set, that server is used and nothing is started.
#
# By hand:  . .ci/postgres.sh && pg_start && go test ./export/postgres; pg_stop

pg_start() {
  export IMEDNET_REQUIRE_POSTGRES=1
  if [ -n "${IMEDNET_TEST_POSTGRES:-}" ]; then
    echo "using the PostgreSQL server that IMEDNET_TEST_POSTGRES names"
    return 0
  fi
  if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    echo "installing PostgreSQL from Debian's packages"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  fi
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  PG_CI_DIR=$(mktemp -d /tmp/imednet-ci-pg.XXXXXX)
  PG_CI_AS=() # initdb and the server refuse to run as root
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$PG_CI_DIR"
    PG_CI_AS=(runuser -u postgres --)
  fi
  PG_CI_CTL="$bin/pg_ctl"
  if ! "${PG_CI_AS[@]}" "$bin/initdb" -D "$PG_CI_DIR/data" --username=postgres --auth=trust \
      --encoding=UTF8 --no-locale --no-sync >"$PG_CI_DIR/initdb.log" 2>&1; then
    cat "$PG_CI_DIR/initdb.log" >&2
    return 1
  fi
  cat >>"$PG_CI_DIR/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$PG_CI_DIR'
port = 5432
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  if ! "${PG_CI_AS[@]}" "$PG_CI_CTL" -D "$PG_CI_DIR/data" -l "$PG_CI_DIR/server.log" -w -t 60 start >/dev/null; then
    cat "$PG_CI_DIR/server.log" >&2
    return 1
  fi
  export IMEDNET_TEST_POSTGRES="host=$PG_CI_DIR port=5432 user=postgres dbname=postgres sslmode=disable"
  "$bin/psql" -X -q -A -t -c 'SELECT version()' "$IMEDNET_TEST_POSTGRES"
}

pg_stop() {
  if [ -n "${PG_CI_DIR:-}" ] && [ -d "$PG_CI_DIR" ]; then
    if [ -n "${PG_CI_CTL:-}" ] && [ -f "$PG_CI_DIR/data/postmaster.pid" ]; then
      "${PG_CI_AS[@]}" "$PG_CI_CTL" -D "$PG_CI_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_CI_DIR"
  fi
}
