#!/usr/bin/env bash
# Local Prometheus for Boucle: Debian's package, run as our own process (never its system
# service), scraping the four services with the rules of deploy/prometheus/rules.
#
#   deploy/prometheus.sh ensure   install Debian's prometheus package (prometheus + promtool)
#                                 when missing, with its system service kept off
#   deploy/prometheus.sh start    ensure, render the config, start, wait until ready
#   deploy/prometheus.sh stop     SIGTERM the process this script started (recorded pid only)
#   deploy/prometheus.sh status   exit 0 if running, 1 if not
#   deploy/prometheus.sh check    promtool: check config (rendered and compose), check rules,
#                                 and the rules' unit tests (deploy/prometheus/tests)
#
# Environment (defaults):
#   PROMETHEUS_HOST=127.0.0.1  PROMETHEUS_PORT=9090  PROMETHEUS_SCRAPE_INTERVAL=10s
#   PROMETHEUS_RETENTION=7d    PROMETHEUS_READY_TIMEOUT=60 (seconds)
#   <S>__HOST / <S>__PORT of each service, as deploy/services.sh reads them
#   BOUCLE_RUN_DIR=<repo>/.run   prometheus.pid, logs/prometheus.log, prometheus/ (config, data)
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEPLOY_DIR="$REPO_ROOT/deploy/prometheus"

PROMETHEUS_HOST="${PROMETHEUS_HOST:-127.0.0.1}"
PROMETHEUS_PORT="${PROMETHEUS_PORT:-9090}"
SCRAPE_INTERVAL="${PROMETHEUS_SCRAPE_INTERVAL:-10s}"
RETENTION="${PROMETHEUS_RETENTION:-7d}"
READY_TIMEOUT="${PROMETHEUS_READY_TIMEOUT:-60}"
STOP_TIMEOUT=30

RUN_DIR="${BOUCLE_RUN_DIR:-$REPO_ROOT/.run}"
PID_FILE="$RUN_DIR/prometheus.pid"
LOG_FILE="$RUN_DIR/logs/prometheus.log"
HOME_DIR="$RUN_DIR/prometheus"
CONFIG_FILE="$HOME_DIR/prometheus.yml"

log() { echo "[prometheus] $*"; }
die() { echo "[prometheus] ERROR: $*" >&2; exit 1; }

as_root() {
    if ((EUID == 0)); then "$@"; else sudo -- "$@"; fi
}

# Debian's postinst enables and starts prometheus.service; we run our own instance instead, so a
# policy-rc.d that refuses every start is in place for the install (unless one already is), and
# the unit is disabled and stopped afterwards in case something started it anyway.
install_package() {
    local policy=/usr/sbin/policy-rc.d placed=0
    if [[ ! -e "$policy" ]]; then
        as_root sh -c "printf '#!/bin/sh\nexit 101\n' >$policy && chmod 755 $policy"
        placed=1
    fi
    log "installing Debian's prometheus package (prometheus and promtool)"
    local status=0
    as_root apt-get update -q -o DPkg::Lock::Timeout=300 || status=$?
    if ((status == 0)); then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
            -o DPkg::Lock::Timeout=300 prometheus || status=$?
    fi
    ((placed)) && as_root rm -f "$policy"
    ((status == 0)) || die "apt-get failed ($status)"
    keep_system_service_off
}

# systemctl disable edits the unit links without a running systemd too; update-rc.d covers the
# SysV links, and a service started by init.d (its pid file says so) is stopped through it.
keep_system_service_off() {
    if command -v systemctl >/dev/null; then
        as_root systemctl disable prometheus.service >/dev/null 2>&1 || true
    fi
    if [[ -d /run/systemd/system ]]; then
        as_root systemctl stop prometheus.service >/dev/null 2>&1 || true
    elif [[ -x /etc/init.d/prometheus && -f /run/prometheus/prometheus.pid ]]; then
        as_root /etc/init.d/prometheus stop >/dev/null 2>&1 || true
    fi
    if command -v update-rc.d >/dev/null; then
        as_root update-rc.d prometheus disable >/dev/null 2>&1 || true
    fi
}

cmd_ensure() {
    if command -v prometheus >/dev/null && command -v promtool >/dev/null; then
        return 0
    fi
    install_package
    command -v promtool >/dev/null || die "the prometheus package installed no promtool"
}

target() {
    local upper="${1^^}" default_port="$2"
    local host_var="${upper}__HOST" port_var="${upper}__PORT"
    local host="${!host_var:-127.0.0.1}"
    [[ "$host" == "0.0.0.0" ]] && host=127.0.0.1  # listening everywhere: scrape over loopback
    echo "$host:${!port_var:-$default_port}"
}

# render <file>: the local config with this environment's addresses.
render() {
    sed -e "s|@SCRAPE_INTERVAL@|$SCRAPE_INTERVAL|g" \
        -e "s|@RULES_DIR@|$DEPLOY_DIR/rules|g" \
        -e "s|@COLLECTOR@|$(target collector 8000)|g" \
        -e "s|@SESSIONIZER@|$(target sessionizer 8001)|g" \
        -e "s|@ATTRIBUTION@|$(target attribution 8002)|g" \
        -e "s|@FEEDBACK@|$(target feedback 8003)|g" \
        -e "s|@PROMETHEUS@|$PROMETHEUS_HOST:$PROMETHEUS_PORT|g" \
        "$DEPLOY_DIR/prometheus.yml.in" >"$1"
}

# Only a live prometheus started with our config counts as ours: pids get reused.
recorded_pid() {
    local pid
    [[ -f "$PID_FILE" ]] || return 1
    pid="$(cat "$PID_FILE")"
    [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--config.file=$CONFIG_FILE" || return 1
    echo "$pid"
}

url() { echo "http://$PROMETHEUS_HOST:$PROMETHEUS_PORT"; }

port_open() {
    (exec 3<>"/dev/tcp/$PROMETHEUS_HOST/$PROMETHEUS_PORT") 2>/dev/null
}

wait_ready() {
    local pid="$1" deadline=$((SECONDS + READY_TIMEOUT))
    until curl -fsS -o /dev/null "$(url)/-/ready" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$LOG_FILE" >&2 || true
            rm -f "$PID_FILE"
            die "prometheus exited during start-up (log above: $LOG_FILE)"
        fi
        ((SECONDS < deadline)) || die "not ready after ${READY_TIMEOUT}s at $(url) (log: $LOG_FILE)"
        sleep 0.5
    done
}

cmd_start() {
    local pid
    if pid="$(recorded_pid)"; then
        log "already running (pid $pid) at $(url)"
        return 0
    fi
    rm -f "$PID_FILE"
    port_open && die "$PROMETHEUS_HOST:$PROMETHEUS_PORT is in use by a process this script did not start"
    cmd_ensure
    mkdir -p "$HOME_DIR/data" "$(dirname "$LOG_FILE")"
    render "$CONFIG_FILE"
    promtool check config "$CONFIG_FILE" >/dev/null || die "invalid config $CONFIG_FILE"
    setsid nohup prometheus \
        "--config.file=$CONFIG_FILE" \
        "--storage.tsdb.path=$HOME_DIR/data" \
        "--storage.tsdb.retention.time=$RETENTION" \
        "--web.listen-address=$PROMETHEUS_HOST:$PROMETHEUS_PORT" \
        "--web.external-url=$(url)" \
        >>"$LOG_FILE" 2>&1 </dev/null &
    echo $! >"$PID_FILE"
    wait_ready "$!"
    log "ready at $(url) (pid $(cat "$PID_FILE")), log $LOG_FILE"
}

cmd_stop() {
    local pid i
    if ! pid="$(recorded_pid)"; then
        rm -f "$PID_FILE"
        log "not running"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < STOP_TIMEOUT * 5; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "still alive after ${STOP_TIMEOUT}s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$PID_FILE"
    log "stopped"
}

cmd_status() {
    local pid
    if pid="$(recorded_pid)"; then
        log "running (pid $pid) at $(url)"
        return 0
    fi
    log "stopped"
    return 1
}

cmd_check() {
    local scratch status=0
    cmd_ensure
    scratch="$(mktemp -d)"
    render "$scratch/prometheus.yml"
    {
        promtool check config "$scratch/prometheus.yml" &&
            promtool check config "$DEPLOY_DIR/compose.yml" &&
            promtool check rules "$DEPLOY_DIR"/rules/*.yml &&
            (cd "$DEPLOY_DIR" && promtool test rules tests/*.yml)
    } || status=$?
    rm -rf "$scratch"
    return "$status"
}

main() {
    case "${1:-}" in
        ensure) cmd_ensure ;;
        start) cmd_start ;;
        stop) cmd_stop ;;
        status) cmd_status ;;
        check) cmd_check ;;
        *)
            echo "usage: $0 {ensure|start|stop|status|check}" >&2
            exit 2
            ;;
    esac
}

main "$@"
