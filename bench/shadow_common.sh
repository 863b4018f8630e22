# shellcheck shell=bash disable=SC2034  # sourced; the variables it sets are read by the caller
# Shared helpers of bench/shadow.sh and bench/audit_overhead.sh (sourced, not
# run): free ports on 127.0.0.1, a fresh single-member agent, a shadow, and
# stopping exactly the processes started here, by PID.
# The caller sets WORK (a temp dir), PORT_BASE, SHADEKV, PUBLISHER, SHADOW.

die() {
  echo "$(basename "$0"): error: $*" >&2
  exit 1
}

NEXT_PORT=${PORT_BASE:-28000}
# Sets FREE_PORT to a port nothing listens on, from NEXT_PORT upwards
# (bounded: 200 tries). Not called in $(...): NEXT_PORT must advance here.
free_port() {
  local p
  for ((p = NEXT_PORT; p < NEXT_PORT + 200; p++)); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      NEXT_PORT=$((p + 1))
      FREE_PORT=$p
      return 0
    fi
  done
  die "no free port in $NEXT_PORT..$((NEXT_PORT + 199))"
}

# stop_pid PID: SIGTERM, up to 5 s for a clean exit, then SIGKILL; reaped.
stop_pid() {
  local pid=$1
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# wait_http URL PATTERN PID: polls (0.1 s, up to 30 s) until the body of a GET
# matches PATTERN; fails early when PID exits.
wait_http() {
  local url=$1 pattern=$2 pid=$3
  for _ in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || return 1
    curl -s -m 1 "$url" 2>/dev/null | grep -q "$pattern" && return 0
    sleep 0.1
  done
  return 1
}

# start_agent DIR [EXTRA AGENT ARGS...]: a fresh single-member agent, data in
# DIR/data, log in DIR/agent.log. Sets AGENT_PID, CLIENT_PORT, PUB_PORT.
# The publisher plugin is loaded when WITH_PUBLISHER=1 (the default).
start_agent() {
  local dir=$1 peer catchup
  shift
  free_port; CLIENT_PORT=$FREE_PORT
  free_port; peer=$FREE_PORT
  free_port; PUB_PORT=$FREE_PORT
  free_port; catchup=$FREE_PORT
  mkdir -p "$dir"
  local plugin_args=()
  if [[ ${WITH_PUBLISHER:-1} == 1 ]]; then
    plugin_args=(--plugin "$PUBLISHER" --plugin-config "publisher.listen=tcp://127.0.0.1:$PUB_PORT"
      --plugin-config "publisher.catchup=tcp://127.0.0.1:$catchup")
  fi
  "$SHADEKV" --name bench --data-dir "$dir/data" \
    --listen-client-urls "http://127.0.0.1:$CLIENT_PORT" --advertise-client-urls "http://127.0.0.1:$CLIENT_PORT" \
    --listen-peer-urls "tcp://127.0.0.1:$peer" --initial-advertise-peer-urls "tcp://127.0.0.1:$peer" \
    --initial-cluster "bench=tcp://127.0.0.1:$peer" "${plugin_args[@]}" "$@" >"$dir/agent.log" 2>&1 &
  AGENT_PID=$!
  if ! wait_http "http://127.0.0.1:$CLIENT_PORT/health" '"health":"true"' "$AGENT_PID"; then
    echo "   agent did not become healthy; last log lines:" >&2
    tail -5 "$dir/agent.log" >&2
    return 1
  fi
}

# start_shadow DIR: a fresh shadow following PUB_PORT, data in DIR/shadow,
# stderr (its progress lines) in DIR/shadow.log. Sets SHADOW_PID,
# SHADOW_PORT and SHADOW_START_NS (just before the exec).
start_shadow() {
  local dir=$1
  free_port; SHADOW_PORT=$FREE_PORT
  mkdir -p "$dir"
  SHADOW_START_NS=$(date +%s%N)
  "$SHADOW" --bus "tcp://127.0.0.1:$PUB_PORT" --data-dir "$dir/shadow" \
    --listen-client-urls "http://127.0.0.1:$SHADOW_PORT" >"$dir/shadow.log" 2>&1 &
  SHADOW_PID=$!
}

# json_field JSON NAME: the value of a top-level string/bool field.
json_field() {
  sed -n "s/.*\"$2\":\"\{0,1\}\([^\",}]*\).*/\1/p" <<<"$1"
}

# peak_rss_kb PID: VmHWM of a live process (its peak resident set).
peak_rss_kb() {
  awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0
}

machine_line() {
  echo "$(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ {printf "%.1f GiB RAM", $2/1048576}' /proc/meminfo), $(date -u '+%Y-%m-%d %H:%M UTC')"
}
