#!/usr/bin/env bash
# Boucle's four services as background processes, for the local stack.
#
#   deploy/services.sh start    start each service not already running, wait until /readyz
#   deploy/services.sh stop     SIGTERM each by its recorded pid (never by name), then wait
#   deploy/services.sh status   exit 0 when all four run
#
# Environment: every service setting (KAFKA__*, DATABASE__*, COLLECTOR__PORT…, see README;
# PAGES__SERVICES defaults to the hosts and ports used here);
# BOUCLE_RUN_DIR=<repo>/.run holds <service>.pid and logs/<service>.log.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="${BOUCLE_RUN_DIR:-$REPO_ROOT/.run}"
LOG_DIR="$RUN_DIR/logs"
PYTHON="${BOUCLE_PYTHON:-$REPO_ROOT/.venv/bin/python}"
SERVICES=(collector sessionizer attribution feedback)
READY_TIMEOUT="${BOUCLE_READY_TIMEOUT:-60}"
STOP_TIMEOUT=30

log() { echo "[services] $*"; }
die() { echo "[services] ERROR: $*" >&2; exit 1; }

port_of() {
    local upper="${1^^}"
    local var="${upper}__PORT"
    case "$1" in
        collector) echo "${!var:-8000}" ;;
        sessionizer) echo "${!var:-8001}" ;;
        attribution) echo "${!var:-8002}" ;;
        feedback) echo "${!var:-8003}" ;;
    esac
}

host_of() {
    local var="${1^^}__HOST"
    echo "${!var:-127.0.0.1}"
}

# Where a browser reaches each service (the pages' links, the pipeline page's calls), from the
# hosts and ports above; PAGES__SERVICES set beforehand (a proxy, another host name) wins.
pages_services() {
    local service host json=""
    for service in "${SERVICES[@]}"; do
        host="$(host_of "$service")"
        [[ "$host" == "0.0.0.0" ]] && host=127.0.0.1
        json+="${json:+,}\"$service\":\"http://$host:$(port_of "$service")\""
    done
    echo "{$json}"
}

pid_file() { echo "$RUN_DIR/$1.pid"; }

# A pid file only counts when its process is still our service: pids get reused.
running_pid() {
    local file pid
    file="$(pid_file "$1")"
    [[ -f "$file" ]] || return 1
    pid="$(cat "$file")"
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null \
        && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "services.$1"; then
        echo "$pid"
        return 0
    fi
    rm -f "$file"
    return 1
}

wait_ready() {
    local service="$1" url deadline
    url="http://$(host_of "$service"):$(port_of "$service")/readyz"
    deadline=$((SECONDS + READY_TIMEOUT))
    until curl -fsS -o /dev/null "$url" 2>/dev/null; do
        if ! running_pid "$service" >/dev/null; then
            tail -n 30 "$LOG_DIR/$service.log" >&2 || true
            die "$service exited during start-up (log above: $LOG_DIR/$service.log)"
        fi
        if ((SECONDS > deadline)); then
            tail -n 30 "$LOG_DIR/$service.log" >&2 || true
            die "$service not ready after ${READY_TIMEOUT}s at $url"
        fi
        sleep 0.5
    done
}

start_one() {
    local service="$1" pid
    if pid="$(running_pid "$service")"; then
        log "$service already running (pid $pid)"
        return 0
    fi
    mkdir -p "$LOG_DIR"
    cd "$REPO_ROOT"
    setsid nohup "$PYTHON" -m "services.$service" >>"$LOG_DIR/$service.log" 2>&1 </dev/null &
    echo $! >"$(pid_file "$service")"
    log "$service started (pid $!), log $LOG_DIR/$service.log"
}

stop_one() {
    local service="$1" pid deadline
    if ! pid="$(running_pid "$service")"; then
        log "$service not running"
        return 0
    fi
    kill -TERM "$pid"
    deadline=$((SECONDS + STOP_TIMEOUT))
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS > deadline)); then
            log "$service did not stop in ${STOP_TIMEOUT}s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.2
    done
    rm -f "$(pid_file "$service")"
    log "$service stopped"
}

case "${1:-}" in
    start)
        PAGES__SERVICES="${PAGES__SERVICES:-$(pages_services)}"
        export PAGES__SERVICES
        for service in "${SERVICES[@]}"; do start_one "$service"; done
        for service in "${SERVICES[@]}"; do wait_ready "$service"; done
        log "all services ready"
        ;;
    stop)
        for service in "${SERVICES[@]}"; do stop_one "$service"; done
        ;;
    status)
        all=0
        for service in "${SERVICES[@]}"; do
            if pid="$(running_pid "$service")"; then
                log "$service running (pid $pid) on port $(port_of "$service")"
            else
                log "$service stopped"
                all=1
            fi
        done
        exit "$all"
        ;;
    *)
        echo "usage: $0 {start|stop|status}" >&2
        exit 2
        ;;
esac
