# Shared by deploy/local/{up,down,demo,test}. Source it; do not run it.
# PAYSTREAM_PROFILE=dev (default) or test chooses ports and the run directory, so a developer's stack and
# a test run never collide. Every service binds 127.0.0.1 only.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PROFILE=${PAYSTREAM_PROFILE:-dev}
case "$PROFILE" in
  dev)  PG_PORT=${PAYSTREAM_LOCAL_PG_PORT:-55432}; REDIS_PORT=${PAYSTREAM_LOCAL_REDIS_PORT:-56379}; RUN_DIR="$ROOT/deploy/local/run"
        SIM_PORT=${PAYSTREAM_LOCAL_SIM_PORT:-58090}; API_PORT=${PAYSTREAM_LOCAL_API_PORT:-58080} ;;
  test) PG_PORT=${PAYSTREAM_LOCAL_PG_PORT:-55442}; REDIS_PORT=${PAYSTREAM_LOCAL_REDIS_PORT:-56389}; RUN_DIR="$ROOT/deploy/local/run-test"
        SIM_PORT=${PAYSTREAM_LOCAL_SIM_PORT:-58091}; API_PORT=${PAYSTREAM_LOCAL_API_PORT:-58081} ;;
  *) echo "PAYSTREAM_PROFILE must be dev or test" >&2; exit 2 ;;
esac
BUILD_CONFIG=${PAYSTREAM_BUILD_CONFIG:-debug}
# PostgreSQL refuses to run as root: as root its data lives in a directory owned by the postgres user,
# outside the checkout (whose parents may not be readable by that user).
if [ "$(id -u)" = 0 ]; then
  PG_DATA="/var/tmp/paystream-$(printf '%s' "$ROOT" | md5sum | cut -c1-10)-$PROFILE/pg"
else
  PG_DATA="$RUN_DIR/pg"
fi
PG_SOCKET_DIR=$(dirname "$PG_DATA")
APT_PACKAGES=(pkg-config librdkafka-dev libpq-dev libhiredis-dev libssl-dev libqrencode-dev postgresql redis-server kcat curl python3 python3-venv)

log() { printf '[paystream %s] %s\n' "$PROFILE" "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

# Installs what is missing of APT_PACKAGES and of the packages given as arguments.
ensure_packages() {
  local missing=()
  for p in "${APT_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }

as_pg_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The Python tools of the API contract check (deploy/local/python-tools.txt, pinned, from PyPI) in a virtualenv
# cached per version of that list; prints the virtualenv's bin directory.
python_tools() {
  local list="$ROOT/deploy/local/python-tools.txt" venv
  venv="${XDG_CACHE_HOME:-$HOME/.cache}/paystream/pytools-$(md5sum <"$list" | cut -c1-12)"
  if [ ! -x "$venv/bin/schemathesis" ]; then
    log "installing the Python tools of $list into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$list" >&2
  fi
  echo "$venv/bin"
}

build_products() {
  # One invocation per product: `swift build` honours only the last of several --product flags.
  log "building ($BUILD_CONFIG): $*"
  for p in "$@"; do (cd "$ROOT" && swift build -c "$BUILD_CONFIG" --product "$p"); done
}

bin_path() { echo "$ROOT/.build/$BUILD_CONFIG/$1"; }

start_postgres() {
  local bin; bin=$(pg_bin)
  [ -n "$bin" ] || { log "no PostgreSQL server binaries under /usr/lib/postgresql"; exit 1; }
  mkdir -p "$PG_SOCKET_DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$PG_SOCKET_DIR"
  if [ "$PROFILE" = test ] && [ -d "$PG_DATA" ] && ! as_pg_owner "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    rm -rf "$PG_DATA"   # test runs start from an empty database
  fi
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    log "initdb $PG_DATA"
    # Text compares byte by byte (collation C): ids, keys and account names are what the indexes sort, and
    # glibc's C.UTF-8 orders UTF-8 text the same way, only through strcoll. Measured on the ledger benchmark:
    # 5% more transfers/s (docs/benchmarks.md). Character classes stay C.UTF-8.
    as_pg_owner "$bin/initdb" -D "$PG_DATA" -U paystream --auth=trust -E UTF8 --locale=C.UTF-8 --lc-collate=C >/dev/null
  fi
  if as_pg_owner "$bin/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    log "PostgreSQL already running on 127.0.0.1:$PG_PORT"
  else
    log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    # The flow tests start a whole stack per test (API, worker, scheduler: pools of 8 each, and the test's own), and
    # their suites start together: 200 was once exceeded in the first seconds of a run ("too many clients already").
    local connections=200
    [ "$PROFILE" = test ] && connections=500
    as_pg_owner "$bin/pg_ctl" -D "$PG_DATA" -w -t 60 -l "$PG_SOCKET_DIR/postgresql.log" \
      -o "-p $PG_PORT -k $PG_SOCKET_DIR -c listen_addresses=127.0.0.1 -c max_connections=$connections" start >/dev/null
  fi
  psql "postgres://paystream@127.0.0.1:$PG_PORT/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='paystream'" | grep -q 1 \
    || psql "postgres://paystream@127.0.0.1:$PG_PORT/postgres" -qc "CREATE DATABASE paystream" >/dev/null
}

stop_postgres() {
  local bin; bin=$(pg_bin)
  if [ -n "$bin" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
    log "stopping PostgreSQL"
    as_pg_owner "$bin/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null || true
  fi
}

start_redis() {
  if [ -f "$RUN_DIR/redis.pid" ] && kill -0 "$(cat "$RUN_DIR/redis.pid")" 2>/dev/null; then
    log "Redis already running on 127.0.0.1:$REDIS_PORT"; return
  fi
  log "starting Redis on 127.0.0.1:$REDIS_PORT"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --pidfile "$RUN_DIR/redis.pid" \
    --dir "$RUN_DIR" --logfile "$RUN_DIR/redis.log" --save "" --appendonly no
  for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return; sleep 0.1; done
  log "Redis did not answer on port $REDIS_PORT"; exit 1
}

stop_redis() {
  if [ -f "$RUN_DIR/redis.pid" ]; then
    log "stopping Redis"
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill "$(cat "$RUN_DIR/redis.pid")" 2>/dev/null || true
    rm -f "$RUN_DIR/redis.pid"
  fi
}

start_broker() {
  if [ -f "$RUN_DIR/broker.pid" ] && kill -0 "$(cat "$RUN_DIR/broker.pid")" 2>/dev/null; then
    log "embedded broker already running: $(cat "$RUN_DIR/broker.bootstrap")"; return
  fi
  rm -f "$RUN_DIR/broker.bootstrap" "$RUN_DIR/broker.control-port"
  log "starting the embedded Kafka broker (in memory, not durable)"
  nohup "$(bin_path paystream-broker)" --state-dir "$RUN_DIR" --topics-dir "$ROOT/topics" --log-format text \
    >"$RUN_DIR/broker.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/broker.pid"
  # Up to 60 s: it creates every topic of topics/ (56 with the gray twins) before it writes its ports, which
  # took 4 s on an idle 2-core machine and more than 10 s on a loaded one.
  for _ in $(seq 1 600); do
    [ -s "$RUN_DIR/broker.control-port" ] && return
    kill -0 "$(cat "$RUN_DIR/broker.pid")" 2>/dev/null || { cat "$RUN_DIR/broker.log" >&2; exit 1; }
    sleep 0.1
  done
  log "the embedded broker did not start"; cat "$RUN_DIR/broker.log" >&2; exit 1
}

stop_broker() {
  if [ -f "$RUN_DIR/broker.pid" ]; then
    local pid; pid=$(cat "$RUN_DIR/broker.pid")
    if kill -0 "$pid" 2>/dev/null; then
      log "stopping the embedded broker"
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$RUN_DIR/broker.pid" "$RUN_DIR/broker.bootstrap" "$RUN_DIR/broker.control-port"
  fi
}

# start_process NAME ARGS...: runs $(bin_path NAME) in the background with its log in $RUN_DIR/NAME.log and
# its pid in $RUN_DIR/NAME.pid (nothing happens when it already runs).
start_process() {
  local name=$1; shift
  if [ -f "$RUN_DIR/$name.pid" ] && kill -0 "$(cat "$RUN_DIR/$name.pid")" 2>/dev/null; then
    log "$name already running"; return
  fi
  log "starting $name (log: $RUN_DIR/$name.log)"
  nohup "$(bin_path "$name")" "$@" >"$RUN_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN_DIR/$name.pid"
}

# stop_process NAME: SIGTERM (the process finishes what it holds, e.g. the worker commits its batch),
# SIGKILL after 10 s.
stop_process() {
  local name=$1
  if [ -f "$RUN_DIR/$name.pid" ]; then
    local pid; pid=$(cat "$RUN_DIR/$name.pid")
    if kill -0 "$pid" 2>/dev/null; then
      log "stopping $name"
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$RUN_DIR/$name.pid"
  fi
}

start_worker() { start_process paystream-worker --log-format json; }

# The channel sandbox (SIMULATED WeChat Pay, Alipay, Bill99) and the API configured against it.
start_sim_and_api() {
  rm -f "$RUN_DIR/sim/sandbox.json"
  start_process paystream-sim --port "$SIM_PORT" --state-dir "$RUN_DIR/sim" --keys-dir "$RUN_DIR/sim"
  for _ in $(seq 1 300); do [ -f "$RUN_DIR/sim/sandbox.json" ] && break; sleep 0.1; done
  [ -f "$RUN_DIR/sim/sandbox.json" ] || { log "paystream-sim did not start; see $RUN_DIR/paystream-sim.log"; exit 1; }
  log "checking the configuration the API starts with (paystream config check --connect)"
  "$(bin_path paystream)" config check --sandbox-state-dir "$RUN_DIR/sim" --risk-rules "$ROOT/deploy/risk/rules.yaml" \
    --connect --log-level warning >&2 || { log "the configuration check failed"; exit 1; }
  start_process paystream-api --port "$API_PORT" --sandbox-state-dir "$RUN_DIR/sim" --log-format json \
    --risk-rules "$ROOT/deploy/risk/rules.yaml"
  for _ in $(seq 1 300); do curl -fsS "http://127.0.0.1:$API_PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fsS "http://127.0.0.1:$API_PORT/healthz" >/dev/null || { log "paystream-api did not start; see $RUN_DIR/paystream-api.log"; exit 1; }
}

# paystream-scheduler with the demo's short intervals (envelopes expire within seconds there); production
# runs it with its defaults (expiry every 10 min, grab compensation every 30 min).
start_scheduler_for_demo() {
  start_process paystream-scheduler --sandbox-state-dir "$RUN_DIR/sim" --risk-rules "$ROOT/deploy/risk/rules.yaml" \
    --expiry-interval-seconds 2 --grab-redrive-interval-seconds 30 --expiry-grace-seconds 1 --log-format json
}

write_env() {
  cat >"$RUN_DIR/env" <<ENV
# Written by deploy/local/up ($PROFILE profile). Source it: . $RUN_DIR/env
export PAYSTREAM_KAFKA_BOOTSTRAP=$(cat "$RUN_DIR/broker.bootstrap")
export PAYSTREAM_KAFKA_CONTROL_PORT=$(cat "$RUN_DIR/broker.control-port")
# The embedded broker (librdkafka's mock cluster) holds an empty fetch for all of fetch.wait.max.ms, even when a
# message arrives meanwhile; a real broker answers at once. A short wait keeps that from delaying every hop
# (PAYSTREAM_KAFKA_FETCH_WAIT_MAX_MS set when this is written wins, e.g. 500 for librdkafka's default).
export PAYSTREAM_KAFKA_FETCH_WAIT_MAX_MS=${PAYSTREAM_KAFKA_FETCH_WAIT_MAX_MS:-100}
export PAYSTREAM_PG_URL=postgres://paystream@127.0.0.1:$PG_PORT/paystream
export PAYSTREAM_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
export PAYSTREAM_TOPICS_DIR=$ROOT/topics
export PAYSTREAM_KEYS_FILE=$RUN_DIR/keys.json
ENV
}

stack_up() {
  mkdir -p "$RUN_DIR"
  ensure_packages
  build_products paystream-broker paystream
  start_postgres
  start_redis
  start_broker
  write_env
  if [ ! -s "$RUN_DIR/keys.json" ]; then
    # The local stack's own secret keys (field encryption, sessions); made here, never kept in the repository.
    (umask 077 && "$(bin_path paystream)" keys generate >"$RUN_DIR/keys.json")
  fi
  # shellcheck disable=SC1091
  . "$RUN_DIR/env"
  log "applying migrations"
  "$(bin_path paystream)" migrate --log-format text
  log "stack is up; environment in $RUN_DIR/env"
}

stack_down() {
  stop_process paystream-scheduler
  stop_process paystream-api
  stop_process paystream-sim
  stop_process paystream-worker
  stop_broker
  stop_redis
  stop_postgres
}
