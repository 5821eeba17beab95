#!/usr/bin/env bash
# Local PostgreSQL for Boucle, using Debian's packaged server and its cluster tools.
#
#   deploy/postgres.sh ensure   install if missing, start the cluster, create role + database
#   deploy/postgres.sh stop     stop the cluster, but only if `ensure` was the one that started it
#   deploy/postgres.sh status   exit 0 if the server accepts connections, 1 if not
#
# Safe to run repeatedly: every step checks before it acts.
#
# Environment (defaults):
#   PGPORT=5432  BOUCLE_DB_NAME=boucle  BOUCLE_DB_USER=boucle  BOUCLE_DB_PASSWORD=boucle
#   BOUCLE_RUN_DIR=<repo>/.run   (holds the "started by boucle" marker)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

PGPORT="${PGPORT:-5432}"
DB_NAME="${BOUCLE_DB_NAME:-boucle}"
DB_USER="${BOUCLE_DB_USER:-boucle}"
DB_PASSWORD="${BOUCLE_DB_PASSWORD:-boucle}"
READY_TIMEOUT=30

RUN_DIR="${BOUCLE_RUN_DIR:-$REPO_ROOT/.run}"
# Written only when `ensure` had to start the cluster, so `stop` never takes down a server that
# was already running for someone else.
STARTED_MARKER="$RUN_DIR/postgres.started-by-boucle"

log() { echo "[postgres] $*"; }
die() { echo "[postgres] ERROR: $*" >&2; exit 1; }

# Debian's peer authentication maps the postgres OS user to the postgres superuser, so admin SQL
# needs no password. cd / because the caller's directory may be unreadable to that user.
as_postgres() {
    if ((EUID == 0)); then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && sudo -u postgres -- "$@")
    fi
}

as_root() {
    if ((EUID == 0)); then "$@"; else sudo -- "$@"; fi
}

server_installed() {
    compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null
}

install_server() {
    server_installed && return 0
    log "no PostgreSQL server installed; installing Debian's postgresql package"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
    server_installed || die "postgresql installed but no server binary under /usr/lib/postgresql"
}

newest_version() {
    find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n1
}

# Prints "<version> <name> <status>" of the cluster on $PGPORT; fails if there is none.
find_cluster() {
    pg_lsclusters --no-header | awk -v port="$PGPORT" '$3 == port { print $1, $2, $4; found = 1; exit }
        END { exit !found }'
}

ensure_cluster() {
    if find_cluster >/dev/null; then
        return 0
    fi
    if [[ -n "$(pg_lsclusters --no-header)" ]]; then
        pg_lsclusters >&2
        die "clusters exist but none on port $PGPORT; set PGPORT to one of them"
    fi
    local ver
    ver="$(newest_version)"
    log "no cluster; creating $ver/main on port $PGPORT"
    as_root pg_createcluster --port "$PGPORT" "$ver" main >/dev/null
}

start_cluster() {
    local ver name status
    read -r ver name status < <(find_cluster)
    if [[ "$status" == online* ]]; then
        log "cluster $ver/$name already online on port $PGPORT"
        return 0
    fi
    log "starting cluster $ver/$name"
    as_root pg_ctlcluster "$ver" "$name" start
    mkdir -p "$RUN_DIR"
    echo "$ver $name" >"$STARTED_MARKER"
}

# pg_ctlcluster returns once the postmaster is up, which can be before it accepts connections
# (crash recovery after an unclean stop, for instance).
wait_ready() {
    local deadline=$((SECONDS + READY_TIMEOUT))
    until pg_isready -q -h 127.0.0.1 -p "$PGPORT"; do
        ((SECONDS < deadline)) || die "server on 127.0.0.1:$PGPORT not ready after ${READY_TIMEOUT}s"
        sleep 0.5
    done
}

# Names and password travel as psql variables and are quoted by format(%I/%L), so odd values
# cannot break the SQL. The password is re-set every time so it follows BOUCLE_DB_PASSWORD.
# CREATEDB lets tests create and drop throwaway databases.
provision() {
    as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PGPORT" -d postgres \
        -v db="$DB_NAME" -v user="$DB_USER" -v pass="$DB_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I', :'user')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'user') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN CREATEDB PASSWORD %L', :'user', :'pass') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'user')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'db', :'user') \gexec
SQL
}

# Over TCP with the password, exactly as the services connect (not via the peer-auth socket).
verify_login() {
    PGPASSWORD="$DB_PASSWORD" psql -X -q -t -A -h 127.0.0.1 -p "$PGPORT" -U "$DB_USER" \
        -d "$DB_NAME" -c 'select 1' | grep -qx 1 \
        || die "password login as $DB_USER to $DB_NAME on 127.0.0.1:$PGPORT failed"
}

cmd_ensure() {
    install_server
    ensure_cluster
    start_cluster
    wait_ready
    provision
    verify_login
    log "ready: postgresql://$DB_USER:***@127.0.0.1:$PGPORT/$DB_NAME"
}

cmd_stop() {
    local ver name
    if [[ ! -f "$STARTED_MARKER" ]]; then
        log "not started by deploy/postgres.sh; leaving the system cluster alone"
        return 0
    fi
    read -r ver name <"$STARTED_MARKER"
    if pg_lsclusters --no-header "$ver" "$name" 2>/dev/null | awk '{ exit $4 !~ /^online/ }'; then
        log "stopping cluster $ver/$name (started by ensure)"
        as_root pg_ctlcluster "$ver" "$name" stop
    else
        log "cluster $ver/$name already stopped"
    fi
    rm -f "$STARTED_MARKER"
}

cmd_status() {
    local ver name status
    if ! command -v pg_lsclusters >/dev/null || ! read -r ver name status < <(find_cluster); then
        log "stopped (no cluster on port $PGPORT)"
        return 1
    fi
    if pg_isready -q -h 127.0.0.1 -p "$PGPORT"; then
        log "running: cluster $ver/$name on 127.0.0.1:$PGPORT"
        return 0
    fi
    log "stopped: cluster $ver/$name on port $PGPORT ($status)"
    return 1
}

main() {
    case "${1:-}" in
        ensure) cmd_ensure ;;
        stop) cmd_stop ;;
        status) cmd_status ;;
        *)
            echo "usage: $0 {ensure|stop|status}" >&2
            exit 2
            ;;
    esac
}

main "$@"
