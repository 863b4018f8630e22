#!/usr/bin/env bash
# Watch fan-out, shadekv against etcd 3.4 on this machine, in one run
# (docs/benchmarks.md "Watch fan-out").
#
# Builds Release binaries in build-bench, then for each round starts a fresh
# single-member server (new temp data dir, free ports on 127.0.0.1), waits for
# GET /health, runs build-bench/bin/watch_fanout_bench against it, and stops it
# by its PID. The order flips every round (etcd, shadekv, then shadekv, etcd)
# so that a drift in machine load hits both. Ends with a table of the means
# over the successful runs and the shadekv/etcd ratios.
#
# Environment (defaults in brackets):
#   WATCHERS [1000]  PUTS [500]  ROUNDS [2]  SERVERS ["etcd shadekv"]
#   PUT_INTERVAL_MS [0]  TIMEOUT_S [300] per run  PORT_BASE [32400]
#   BUILD_DIR [build-bench]  JOBS [2]  SKIP_BUILD [0]
#   SHADEKV_BIN [$BUILD_DIR/bin/shadekv]  ETCD_BIN [/usr/bin/etcd]
# Exit status: 0 when every run succeeded with no missed/duplicated/out-of-order
# event, 1 otherwise (the table is printed either way).
set -euo pipefail

cd "$(dirname "$0")/.."
WATCHERS=${WATCHERS:-1000}
PUTS=${PUTS:-500}
ROUNDS=${ROUNDS:-2}
SERVERS=${SERVERS:-"etcd shadekv"}
PUT_INTERVAL_MS=${PUT_INTERVAL_MS:-0}
TIMEOUT_S=${TIMEOUT_S:-300}
PORT_BASE=${PORT_BASE:-32400}
BUILD_DIR=${BUILD_DIR:-build-bench}
JOBS=${JOBS:-2}
SKIP_BUILD=${SKIP_BUILD:-0}
ETCD_BIN=${ETCD_BIN:-/usr/bin/etcd}

die() {
  echo "watch_fanout.sh: error: $*" >&2
  exit 1
}

for v in WATCHERS PUTS ROUNDS PUT_INTERVAL_MS TIMEOUT_S PORT_BASE JOBS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a non-negative integer, got '${!v}'"
done
((ROUNDS >= 1 && ROUNDS <= 20)) || die "ROUNDS must be in [1, 20]"
((PORT_BASE >= 1024 && PORT_BASE <= 65000)) || die "PORT_BASE must be in [1024, 65000]"
for s in $SERVERS; do
  [[ $s == etcd || $s == shadekv ]] || die "SERVERS takes 'etcd' and/or 'shadekv', got '$s'"
done
[[ -n ${SERVERS// /} ]] || die "SERVERS is empty"

if [[ $SKIP_BUILD != 1 ]]; then
  echo "== building Release binaries in $BUILD_DIR"
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSHADEKV_BUILD_TESTS=OFF >/dev/null
  cmake --build "$BUILD_DIR" --target shadekv watch_fanout_bench -j"$JOBS" | tail -1
fi
BENCH="$BUILD_DIR/bin/watch_fanout_bench"
SHADEKV=${SHADEKV_BIN:-"$BUILD_DIR/bin/shadekv"}
[[ -x $BENCH ]] || die "$BENCH is missing (build it or unset SKIP_BUILD)"

WORK=$(mktemp -d /tmp/watch-fanout.XXXXXX)
SERVER_PID=""
stop_server() {
  [[ -n $SERVER_PID ]] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 50); do # up to 5 s for a clean exit, then SIGKILL
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Both the client and the servers hold one socket per watcher.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
(($(ulimit -n) >= WATCHERS + 256)) || die "ulimit -n is $(ulimit -n); $((WATCHERS + 256)) needed"

NEXT_PORT=$PORT_BASE
# Sets FREE_PORT to a port nothing listens on, from PORT_BASE upwards
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

# start_server NAME: starts it fresh, sets SERVER_PID and CLIENT_PORT.
start_server() {
  local name=$1 dir="$WORK/$1-$2" client peer
  free_port
  client=$FREE_PORT
  free_port
  peer=$FREE_PORT
  mkdir -p "$dir"
  if [[ $name == etcd ]]; then
    "$ETCD_BIN" --name bench --data-dir "$dir/data" \
      --listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
      --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
      --initial-cluster "bench=http://127.0.0.1:$peer" >"$dir/server.log" 2>&1 &
  else
    [[ -x $SHADEKV ]] || die "$SHADEKV is missing"
    "$SHADEKV" --name bench --data-dir "$dir/data" \
      --listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
      --listen-peer-urls "tcp://127.0.0.1:$peer" --initial-advertise-peer-urls "tcp://127.0.0.1:$peer" \
      --initial-cluster "bench=tcp://127.0.0.1:$peer" >"$dir/server.log" 2>&1 &
  fi
  SERVER_PID=$!
  CLIENT_PORT=$client
  SERVER_LOG="$dir/server.log"
  for _ in $(seq 300); do # up to 30 s
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "   $name exited during startup; last log lines:" >&2
      tail -5 "$SERVER_LOG" >&2
      SERVER_PID=""
      return 1
    fi
    if curl -s -m 1 "http://127.0.0.1:$client/health" 2>/dev/null | grep -q '"health":"true"'; then
      return 0
    fi
    sleep 0.1
  done
  echo "   $name did not report healthy within 30 s" >&2
  return 1
}

RESULTS="$WORK/results"
FAILURES="$WORK/failures"
: >"$RESULTS"
: >"$FAILURES"
echo "== watch fan-out: $WATCHERS watchers, $PUTS puts, $ROUNDS round(s), servers: $SERVERS"
echo "   machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "   etcd: $("$ETCD_BIN" --version | head -1)"
for ((round = 1; round <= ROUNDS; round++)); do
  order=$SERVERS
  # Alternate who goes first from round to round.
  if ((round % 2 == 0)); then order=$(echo "$SERVERS" | tr ' ' '\n' | tac | tr '\n' ' '); fi
  for name in $order; do
    echo "== round $round: $name (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    if ! start_server "$name" "$round"; then
      echo "$name round $round: server did not start" >>"$FAILURES"
      stop_server
      continue
    fi
    out="$WORK/$name-$round.out"
    set +e
    timeout --signal=KILL $((TIMEOUT_S + 30)) "$BENCH" --endpoint "127.0.0.1:$CLIENT_PORT" \
      --watchers "$WATCHERS" --puts "$PUTS" --put-interval-ms "$PUT_INTERVAL_MS" \
      --server-pid "$SERVER_PID" --timeout-s "$TIMEOUT_S" --label "$name" >"$out" 2>&1
    rc=$?
    set -e
    sed 's/^/   /' "$out" | grep -v '^   RESULT '
    line=$(grep '^RESULT ' "$out" || true)
    if [[ -n $line ]]; then
      echo "$line round=$round load1=$(cut -d' ' -f1 /proc/loadavg)" >>"$RESULTS"
    fi
    if ((rc != 0)); then
      reason=$(grep -m1 -E 'error:|first failure:' "$out" || echo "exit status $rc")
      if [[ $name == shadekv ]] && grep -q 'HTTP 404\|HTTP 501\|HTTP 405' "$out"; then
        reason="$reason  [shadekv does not serve /v3/watch in this build]"
      fi
      echo "$name round $round: $reason" >>"$FAILURES"
    fi
    stop_server
  done
done

echo
echo "== comparison: means over successful runs (ok=1); ratio = shadekv / etcd"
awk '
  /^RESULT / {
    delete kv
    for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
    if (kv["ok"] != 1) next
    s = kv["label"]; runs[s]++
    for (k in kv) if (k != "label") sum[s, k] += kv[k]
  }
  function mean(s, k) { return runs[s] ? sum[s, k] / runs[s] : "" }
  function fmt(v, k) { return v == "" ? "n/a" : sprintf(k ~ /_kb$/ ? "%.0f" : "%.3f", v) }
  END {
    n = split("ack_p50_ms ack_p90_ms ack_p99_ms ack_max_ms sent_p50_ms sent_p99_ms " \
              "put_p50_ms put_p99_ms put_phase_s server_cpu_s rss_before_kb rss_open_kb " \
              "rss_after_kb rss_per_watcher_kb client_loop_cpu_s", m, " ")
    printf "   %-20s %12s %12s %8s\n", "metric", "etcd", "shadekv", "ratio"
    printf "   %-20s %12d %12d\n", "successful runs", runs["etcd"], runs["shadekv"]
    for (i = 1; i <= n; i++) {
      e = mean("etcd", m[i]); s = mean("shadekv", m[i])
      r = (e != "" && s != "" && e > 0) ? sprintf("%.2f", s / e) : "n/a"
      printf "   %-20s %12s %12s %8s\n", m[i], fmt(e, m[i]), fmt(s, m[i]), r
    }
  }' "$RESULTS"
echo
echo "== per run"
sed 's/^/   /' "$RESULTS"
if [[ -s $FAILURES ]]; then
  echo
  echo "== failed runs"
  sed 's/^/   /' "$FAILURES"
  exit 1
fi
