#!/usr/bin/env bash
# The change-event bus under a fixed write rate, side by side with plain
# ZeroMQ PUB/SUB (docs/benchmarks.md "Change-event bus").
#
# Builds Release binaries in build-bench (shadekv, the publisher plugin,
# bus_bench), then for every cell of RATES x SUBSCRIBERS runs
#   - bus: a fresh single-member agent (new temp data dir, free ports on
#     127.0.0.1) with the publisher plugin, bus_bench --mode bus against it,
#     the agent stopped by its PID;
#   - zmq: bus_bench --mode zmq (in-process PUB/SUB, same rate, the same
#     message size as the bus's EVENT bodies, same subscriber count).
# Ends with a markdown table of every run and the bus/zmq latency ratios.
#
# Environment (defaults in brackets):
#   RATES ["1000 10000 max"]  SUBSCRIBERS ["1 10"]  MODES ["bus zmq"]
#     "max" asks for 10,000,000/s: no pacing, each side's own throughput limit
#   DURATION_S [5] seconds of load per paced cell (events = rate x DURATION_S)
#   MAX_EVENTS [20000] events in a "max" cell
#   EVENTS [unset] a fixed event count for every cell instead
#   CLIENTS [16] HTTP client threads  VALUE_BYTES [32]
#   BURST_MS [100] how far a sender may fall behind its schedule and catch up
#   TIMEOUT_S [120] per run  PORT_BASE [25400]
#   BUILD_DIR [build-bench]  JOBS [2]  SKIP_BUILD [0]
# Exit status: 0 when every run succeeded with no missing, duplicated or
# out-of-order revision/message, 1 otherwise (the table is printed either way).
set -euo pipefail

cd "$(dirname "$0")/.."
RATES=${RATES:-"1000 10000 max"}
SUBSCRIBERS=${SUBSCRIBERS:-"1 10"}
MODES=${MODES:-"bus zmq"}
DURATION_S=${DURATION_S:-5}
MAX_EVENTS=${MAX_EVENTS:-20000}
EVENTS=${EVENTS:-}
CLIENTS=${CLIENTS:-16}
BURST_MS=${BURST_MS:-100}
VALUE_BYTES=${VALUE_BYTES:-32}
TIMEOUT_S=${TIMEOUT_S:-120}
PORT_BASE=${PORT_BASE:-25400}
BUILD_DIR=${BUILD_DIR:-build-bench}
JOBS=${JOBS:-2}
SKIP_BUILD=${SKIP_BUILD:-0}

die() {
  echo "bus.sh: error: $*" >&2
  exit 1
}

for v in DURATION_S MAX_EVENTS BURST_MS CLIENTS VALUE_BYTES TIMEOUT_S PORT_BASE JOBS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a non-negative integer, got '${!v}'"
done
[[ -z $EVENTS || $EVENTS =~ ^[1-9][0-9]*$ ]] || die "EVENTS must be a positive integer, got '$EVENTS'"
((DURATION_S >= 1 && DURATION_S <= 600)) || die "DURATION_S must be in [1, 600]"
((PORT_BASE >= 1024 && PORT_BASE <= 65000)) || die "PORT_BASE must be in [1024, 65000]"
for r in $RATES; do [[ $r == max || $r =~ ^[1-9][0-9]*$ ]] || die "RATES takes positive integers or 'max', got '$r'"; done
((MAX_EVENTS >= 1)) || die "MAX_EVENTS must be positive"
for s in $SUBSCRIBERS; do [[ $s =~ ^[1-9][0-9]*$ ]] || die "SUBSCRIBERS takes positive integers, got '$s'"; done
for m in $MODES; do [[ $m == bus || $m == zmq ]] || die "MODES takes 'bus' and/or 'zmq', got '$m'"; done
[[ -n ${RATES// /} && -n ${SUBSCRIBERS// /} && -n ${MODES// /} ]] || die "RATES, SUBSCRIBERS and MODES must not be empty"

if [[ $SKIP_BUILD != 1 ]]; then
  echo "== building Release binaries in $BUILD_DIR"
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSHADEKV_BUILD_TESTS=OFF >/dev/null
  cmake --build "$BUILD_DIR" --target shadekv shadekv_publisher bus_bench -j"$JOBS" | tail -1
fi
BENCH="$BUILD_DIR/bin/bus_bench"
SHADEKV="$BUILD_DIR/bin/shadekv"
PLUGIN="$BUILD_DIR/plugins/libshadekv_publisher.so"
[[ -x $BENCH ]] || die "$BENCH is missing (build it or unset SKIP_BUILD)"

WORK=$(mktemp -d /tmp/bus-bench.XXXXXX)
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

# start_agent TAG: a fresh agent with the publisher; sets SERVER_PID,
# CLIENT_PORT and PUB_PORT.
start_agent() {
  local dir="$WORK/$1" client peer pub catchup
  [[ -x $SHADEKV && -f $PLUGIN ]] || die "$SHADEKV or $PLUGIN is missing"
  free_port; client=$FREE_PORT
  free_port; peer=$FREE_PORT
  free_port; pub=$FREE_PORT
  free_port; catchup=$FREE_PORT
  mkdir -p "$dir"
  "$SHADEKV" --name bench --data-dir "$dir/data" \
    --listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
    --listen-peer-urls "tcp://127.0.0.1:$peer" --initial-advertise-peer-urls "tcp://127.0.0.1:$peer" \
    --initial-cluster "bench=tcp://127.0.0.1:$peer" \
    --plugin "$PLUGIN" --plugin-config "publisher.listen=tcp://127.0.0.1:$pub" \
    --plugin-config "publisher.catchup=tcp://127.0.0.1:$catchup" >"$dir/server.log" 2>&1 &
  SERVER_PID=$!
  CLIENT_PORT=$client
  PUB_PORT=$pub
  for _ in $(seq 300); do # up to 30 s
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "   agent exited during startup; last log lines:" >&2
      tail -5 "$dir/server.log" >&2
      SERVER_PID=""
      return 1
    fi
    if curl -s -m 1 "http://127.0.0.1:$client/health" 2>/dev/null | grep -q '"health":"true"'; then
      return 0
    fi
    sleep 0.1
  done
  echo "   agent did not report healthy within 30 s" >&2
  return 1
}

RESULTS="$WORK/results"
FAILURES="$WORK/failures"
: >"$RESULTS"
: >"$FAILURES"
echo "== change-event bus: rates [$RATES]/s, subscribers [$SUBSCRIBERS], modes [$MODES]"
echo "   machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u '+%Y-%m-%d %H:%M UTC')"
MESSAGE_BYTES=0 # zmq bodies: the bus's measured EVENT size once known
for rate_name in $RATES; do
  if [[ $rate_name == max ]]; then
    rate=10000000
    events=${EVENTS:-$MAX_EVENTS}
  else
    rate=$rate_name
    events=${EVENTS:-$((rate * DURATION_S))}
  fi
  for subs in $SUBSCRIBERS; do
    for mode in $MODES; do
      cell="$mode-$rate_name-$subs"
      echo "== $mode: $rate_name/s, $subs subscriber(s), $events events (load average $(cut -d' ' -f1-3 /proc/loadavg))"
      args=(--mode "$mode" --subscribers "$subs" --events "$events" --rate "$rate"
        --timeout-s "$TIMEOUT_S" --value-bytes "$VALUE_BYTES" --burst-ms "$BURST_MS")
      if [[ $mode == bus ]]; then
        if ! start_agent "$cell"; then
          echo "$cell: agent did not start" >>"$FAILURES"
          stop_server
          continue
        fi
        args+=(--endpoint "127.0.0.1:$CLIENT_PORT" --bus "tcp://127.0.0.1:$PUB_PORT"
          --clients "$CLIENTS" --server-pid "$SERVER_PID" --label shadekv)
      else
        ((MESSAGE_BYTES > 0)) && args+=(--message-bytes "$MESSAGE_BYTES")
        args+=(--label zmq)
      fi
      out="$WORK/$cell.out"
      set +e
      timeout --signal=KILL $((TIMEOUT_S + 30)) "$BENCH" "${args[@]}" >"$out" 2>&1
      rc=$?
      set -e
      sed 's/^/   /' "$out" | grep -v '^   RESULT '
      line=$(grep '^RESULT ' "$out" || true)
      if [[ -n $line ]]; then
        echo "$line load1=$(cut -d' ' -f1 /proc/loadavg)" >>"$RESULTS"
        if [[ $mode == bus ]]; then
          bytes=$(sed -n 's/.* message_bytes=\([0-9]*\).*/\1/p' <<<"$line")
          ((bytes >= 16)) && MESSAGE_BYTES=$bytes
        fi
      fi
      ((rc == 0)) || echo "$cell: $(grep -m1 'error:' "$out" || echo "exit status $rc")" >>"$FAILURES"
      stop_server
    done
  done
done

echo
echo "== results (ms; lat = client send -> subscriber; put = the put's own latency; ack->sub = put response -> subscriber)"
awk '
  function rate_name(r) { return r >= 10000000 ? "max" : r }
  /^RESULT / {
    delete kv
    for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
    key = rate_name(kv["target_rate"]) " | " kv["subscribers"]
    if (!(key in seen)) { seen[key] = 1; order[++n] = key }
    if (kv["mode"] == "bus") {
      bus50[key] = kv["lat_p50_ms"]; bus99[key] = kv["lat_p99_ms"]; busrate[key] = kv["min_events_per_s"]
    } else {
      zmq50[key] = kv["lat_p50_ms"]; zmq99[key] = kv["lat_p99_ms"]; zmqrate[key] = kv["min_events_per_s"]
    }
    put = kv["mode"] == "bus" ? sprintf("%.2f / %.2f", kv["put_p50_ms"], kv["put_p99_ms"]) : "-"
    ackcol = kv["mode"] == "bus" ? sprintf("%.3f / %.3f", kv["ack_p50_ms"], kv["ack_p99_ms"]) : "-"
    rows = rows sprintf("| %s | %s | %d | %.0f | %.0f | %.3f | %.3f | %.3f | %.3f | %s | %s | %d/%d/%d | %d | %.0f | %s |\n",
      kv["label"], rate_name(kv["target_rate"]), kv["subscribers"], kv["achieved_rate"],
      kv["min_events_per_s"], kv["lat_p50_ms"], kv["lat_p90_ms"], kv["lat_p99_ms"], kv["lat_max_ms"],
      put, ackcol, kv["missing"], kv["duplicates"], kv["out_of_order"], kv["catchups"],
      kv["message_bytes"], kv["ok"] == 1 ? "yes" : "NO")
  }
  END {
    print "| system | target writes/s | subscribers | achieved writes/s | events/s per subscriber (min) | lat p50 | lat p90 | lat p99 | lat max | put p50 / p99 | ack->sub p50 / p99 | missing/dup/out-of-order | catch-ups | message bytes | ok |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    printf "%s", rows
    print ""
    # Unpaced ("max") latencies are queueing on the faster side, not a path
    # cost: those rows compare throughput only.
    print "| target writes/s | subscribers | shadekv / zmq lat p50 | shadekv / zmq lat p99 | zmq / shadekv events/s per subscriber |"
    print "|---:|---:|---:|---:|---:|"
    for (i = 1; i <= n; i++) {
      k = order[i]
      if (!(k in bus50) || !(k in zmq50)) continue
      paced = k !~ /^max/
      r50 = paced && zmq50[k] > 0 ? sprintf("%.1f x", bus50[k] / zmq50[k]) : "n/a"
      r99 = paced && zmq99[k] > 0 ? sprintf("%.1f x", bus99[k] / zmq99[k]) : "n/a"
      rr = busrate[k] > 0 ? sprintf("%.1f x", zmqrate[k] / busrate[k]) : "n/a"
      printf "| %s | %s | %s | %s |\n", k, r50, r99, rr
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
