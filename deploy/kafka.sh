#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft, broker+controller in one JVM) for Boucle.
#
#   deploy/kafka.sh fetch    resolve the broker's jars from Maven Central into the cache
#   deploy/kafka.sh start    fetch if needed, configure, format once, start, wait until ready
#   deploy/kafka.sh stop     stop the broker this script started (by recorded pid only)
#   deploy/kafka.sh status   exit 0 if running, 1 if not
#
# There is no Docker engine and no Kafka download archive here, only Maven Central, so the broker
# runs straight from the kafka_2.13 artifact's runtime classpath (see deploy/kafka/pom.xml).
#
# Environment (defaults):
#   KAFKA_HOST=127.0.0.1  KAFKA_PORT=9092  KAFKA_CONTROLLER_PORT=9093
#   KAFKA_HEAP="-Xms256m -Xmx1g"  KAFKA_READY_TIMEOUT=120 (seconds)
#   BOUCLE_RUN_DIR=<repo>/.run     pid file, logs/kafka.log, kafka-data/
#   BOUCLE_CACHE_DIR=~/.cache/boucle   jars, shared by every checkout
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KAFKA_DEPLOY_DIR="$REPO_ROOT/deploy/kafka"
POM="$KAFKA_DEPLOY_DIR/pom.xml"

KAFKA_HOST="${KAFKA_HOST:-127.0.0.1}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP="${KAFKA_HEAP:--Xms256m -Xmx1g}"
KAFKA_READY_TIMEOUT="${KAFKA_READY_TIMEOUT:-120}"
KAFKA_STOP_TIMEOUT=30

RUN_DIR="${BOUCLE_RUN_DIR:-$REPO_ROOT/.run}"
PID_FILE="$RUN_DIR/kafka.pid"
LOG_DIR="$RUN_DIR/logs"
LOG_FILE="$LOG_DIR/kafka.log"
DATA_DIR="$RUN_DIR/kafka-data"
CLUSTER_ID_FILE="$DATA_DIR/cluster.id"
CONFIG_FILE="$RUN_DIR/kafka-server.properties"

READY_LINE="Kafka Server started"

log() { echo "[kafka] $*"; }
die() { echo "[kafka] ERROR: $*" >&2; exit 1; }

# The version lives in the pom only, so the cache directory can never disagree with what Maven
# actually resolved.
kafka_version() {
    local v
    v="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1)"
    [[ -n "$v" ]] || die "cannot read <kafka.version> from $POM"
    echo "$v"
}

CACHE_DIR="${BOUCLE_CACHE_DIR:-$HOME/.cache/boucle}/kafka-$(kafka_version)"
LIBS_DIR="$CACHE_DIR/libs"
# The marker holds the pom's checksum: it is written only after a complete copy (an interrupted
# download is redone) and a pom edit (e.g. another log4j version) invalidates the cache.
FETCH_MARKER="$CACHE_DIR/.fetched"

pom_checksum() { sha256sum "$POM" | cut -d' ' -f1; }

libs_ready() {
    [[ -f "$FETCH_MARKER" && "$(cat "$FETCH_MARKER")" == "$(pom_checksum)" ]]
}

cmd_fetch() {
    if libs_ready; then
        log "jars already in $LIBS_DIR"
        return 0
    fi
    command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
    log "resolving broker classpath with Maven into $LIBS_DIR"
    rm -rf "$LIBS_DIR" "$FETCH_MARKER"
    mkdir -p "$LIBS_DIR"
    # Maven's output (even with -q) is only interesting when it fails.
    if ! mvn -q -B -f "$POM" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$LIBS_DIR" >"$CACHE_DIR/mvn.log" 2>&1; then
        tail -n 40 "$CACHE_DIR/mvn.log" >&2
        die "mvn dependency:copy-dependencies failed (full output: $CACHE_DIR/mvn.log)"
    fi
    compgen -G "$LIBS_DIR/kafka_2.13-*.jar" >/dev/null || die "kafka_2.13 jar missing after mvn"
    pom_checksum >"$FETCH_MARKER"
    log "fetched $(find "$LIBS_DIR" -name '*.jar' | wc -l) jars"
}

# A pid file can outlive its process and the pid can be reused, so only a live JVM running
# kafka.Kafka counts as ours.
recorded_pid() {
    local pid
    [[ -f "$PID_FILE" ]] || return 1
    pid="$(cat "$PID_FILE")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
    echo "$pid"
}

# bash's /dev/tcp: no nc/ss dependency. Defaults to the client port.
port_open() {
    (exec 3<>"/dev/tcp/$KAFKA_HOST/${1:-$KAFKA_PORT}") 2>/dev/null
}

# Cluster ids are 16 random bytes in URL-safe base64 without padding (Kafka's Uuid format);
# one starting with '-' would be parsed as an option, so Kafka itself never hands those out.
new_cluster_id() {
    local id
    while :; do
        id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
        [[ "$id" != -* ]] && break
    done
    echo "$id"
}

cluster_id() {
    if [[ ! -s "$CLUSTER_ID_FILE" ]]; then
        mkdir -p "$DATA_DIR"
        new_cluster_id >"$CLUSTER_ID_FILE"
    fi
    cat "$CLUSTER_ID_FILE"
}

write_config() {
    sed -e "s|@KAFKA_HOST@|$KAFKA_HOST|g" \
        -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
        -e "s|@KAFKA_CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
        -e "s|@KAFKA_LOG_DIRS@|$DATA_DIR/log|g" \
        "$KAFKA_DEPLOY_DIR/server.properties.in" >"$CONFIG_FILE"
}

# An array, not a string: the classpath wildcard must reach java unexpanded and paths may
# contain spaces.
java_cmd() {
    local heap
    read -r -a heap <<<"$KAFKA_HEAP"
    # log4j2's own shutdown hook would stop logging while Kafka's shutdown hook is still running,
    # cutting the controlled-shutdown lines out of the log; the file appender flushes every line.
    JAVA_CMD=(java "${heap[@]}" -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true
        "-Dlog4j2.configurationFile=$KAFKA_DEPLOY_DIR/log4j2.properties"
        -Dlog4j2.shutdownHookEnabled=false
        "-Dboucle.kafka.logFile=$LOG_FILE"
        -cp "$LIBS_DIR/*")
}

# --ignore-formatted makes this a no-op after the first start; the id must stay the same,
# hence it is kept next to the data.
format_storage() {
    local out
    java_cmd
    out="$("${JAVA_CMD[@]}" kafka.tools.StorageTool format -t "$(cluster_id)" -c "$CONFIG_FILE" \
        --ignore-formatted 2>&1)" || { echo "$out" >&2; die "storage format failed"; }
    log "storage: $(echo "$out" | tail -n1)"
}

show_log_tail() {
    echo "[kafka] ---- last 30 lines of $LOG_FILE ----" >&2
    tail -n 30 "$LOG_FILE" >&2 2>/dev/null || true
    echo "[kafka] ----" >&2
}

# The port is bound before the broker can serve requests, so the log line comes first; the port
# check then catches a wrong KAFKA_HOST/PORT. The Python side does the real client round trip.
wait_ready() {
    local pid="$1" deadline=$((SECONDS + KAFKA_READY_TIMEOUT))
    while ((SECONDS < deadline)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            show_log_tail
            rm -f "$PID_FILE"
            die "broker process $pid exited during startup"
        fi
        if grep -q "$READY_LINE" "$LOG_FILE" 2>/dev/null && port_open; then
            return 0
        fi
        sleep 0.5
    done
    show_log_tail
    die "broker (pid $pid) not ready after ${KAFKA_READY_TIMEOUT}s; still running — '$0 stop' to kill it"
}

# Keep one previous log; rotating also means the readiness grep only sees this run's lines.
rotate_log() {
    mkdir -p "$LOG_DIR"
    if [[ -f "$LOG_FILE" ]]; then
        mv -f "$LOG_FILE" "$LOG_FILE.1"
    fi
}

launch() {
    # log4j2 appends to the log file; stdout/stderr are appended to the same file so JVM-level
    # failures (bad flags, missing class) land where the readiness check prints from.
    # setsid: the broker must not die with the terminal or the caller's process group.
    java_cmd
    setsid nohup "${JAVA_CMD[@]}" kafka.Kafka "$CONFIG_FILE" >>"$LOG_FILE" 2>&1 </dev/null &
    echo $! >"$PID_FILE"
}

cmd_start() {
    local pid port start=$SECONDS
    if pid="$(recorded_pid)"; then
        if port_open; then
            log "kafka already running (pid $pid)"
            return 0
        fi
        # Alive but not listening yet: another start is in progress; wait for it, don't race it.
        log "kafka (pid $pid) is starting; waiting for it"
        wait_ready "$pid"
        log "ready on $KAFKA_HOST:$KAFKA_PORT (pid $pid)"
        return 0
    fi
    if [[ -f "$PID_FILE" ]]; then
        log "removing stale pid file ($(cat "$PID_FILE"))"
        rm -f "$PID_FILE"
    fi
    # Fail here with a plain message rather than with a BindException stack trace in the log.
    for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
        if port_open "$port"; then
            die "$KAFKA_HOST:$port is already in use by a process this script did not start"
        fi
    done
    command -v java >/dev/null || die "java not found (Kafka $(kafka_version) needs Java 17+)"

    cmd_fetch
    mkdir -p "$RUN_DIR"
    write_config
    rotate_log
    format_storage
    launch
    pid="$(cat "$PID_FILE")"
    log "started pid $pid; waiting up to ${KAFKA_READY_TIMEOUT}s for readiness (log: $LOG_FILE)"
    wait_ready "$pid"
    log "ready on $KAFKA_HOST:$KAFKA_PORT (pid $pid) after $((SECONDS - start))s"
}

cmd_stop() {
    local pid i
    if ! pid="$(recorded_pid)"; then
        rm -f "$PID_FILE"
        log "not running"
        return 0
    fi
    log "stopping pid $pid (SIGTERM, controlled shutdown)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < KAFKA_STOP_TIMEOUT * 2; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "still alive after ${KAFKA_STOP_TIMEOUT}s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.5
    fi
    rm -f "$PID_FILE"
    log "stopped"
}

cmd_status() {
    local pid
    if pid="$(recorded_pid)"; then
        if port_open; then
            log "running (pid $pid) on $KAFKA_HOST:$KAFKA_PORT"
        else
            log "running (pid $pid) but $KAFKA_HOST:$KAFKA_PORT not answering (starting?)"
        fi
        return 0
    fi
    log "stopped"
    return 1
}

main() {
    case "${1:-}" in
        fetch) cmd_fetch ;;
        start) cmd_start ;;
        stop) cmd_stop ;;
        status) cmd_status ;;
        *)
            echo "usage: $0 {fetch|start|stop|status}" >&2
            exit 2
            ;;
    esac
}

main "$@"
