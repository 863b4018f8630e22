#!/usr/bin/env bash
# Shadow measurements (docs/benchmarks.md "Shadow and audit"):
#   lag:  for each rate in RATES, a fresh single-member agent with the
#         publisher plugin and a fresh shadekv-shadow following it;
#         shadow_bench --mode lag: paced puts, one watch on the shadow and one
#         on the primary, ack -> event and send -> event percentiles.
#   sync: for each N in SYNC_KEYS, a fresh agent loaded with N keys (txns of
#         128 puts, CLIENTS clients), then a fresh shadow started and timed
#         from its exec until /v3/shadow/status says up_to_date, lag 0 and
#         applied_revision = the primary's; its peak RSS (VmHWM), data size.
# Every process is started here and stopped by its PID; data in a temp dir.
#
# Environment (defaults in brackets):
#   PARTS ["lag sync"]  RATES ["1000 5000"]  DURATION_S [10]
#   SYNC_KEYS ["100000"]  SYNC_TIMEOUT_S [900]  CLIENTS [16]  VALUE_BYTES [32]
#   SYNC_VALUE_BYTES [64]  TIMEOUT_S [180] per lag run  PORT_BASE [28000]
#   BUILD_DIR [build-rel]  JOBS [2]  SKIP_BUILD [0]
# Exit status 0 when every run succeeded (contiguous watches, sync reached).
set -euo pipefail

cd "$(dirname "$0")/.."
PARTS=${PARTS:-"lag sync"}
RATES=${RATES:-"1000 5000"}
DURATION_S=${DURATION_S:-10}
SYNC_KEYS=${SYNC_KEYS:-100000}
SYNC_TIMEOUT_S=${SYNC_TIMEOUT_S:-900}
CLIENTS=${CLIENTS:-16}
VALUE_BYTES=${VALUE_BYTES:-32}
SYNC_VALUE_BYTES=${SYNC_VALUE_BYTES:-64}
TIMEOUT_S=${TIMEOUT_S:-180}
PORT_BASE=${PORT_BASE:-28000}
BUILD_DIR=${BUILD_DIR:-build-rel}
JOBS=${JOBS:-2}
SKIP_BUILD=${SKIP_BUILD:-0}
source bench/shadow_common.sh

for v in DURATION_S SYNC_TIMEOUT_S CLIENTS VALUE_BYTES SYNC_VALUE_BYTES TIMEOUT_S PORT_BASE JOBS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, got '${!v}'"
done
for r in $RATES; do [[ $r =~ ^[1-9][0-9]*$ ]] || die "RATES takes positive integers, got '$r'"; done
for n in $SYNC_KEYS; do [[ $n =~ ^[1-9][0-9]*$ ]] || die "SYNC_KEYS takes positive integers, got '$n'"; done
for p in $PARTS; do [[ $p == lag || $p == sync ]] || die "PARTS takes 'lag' and/or 'sync', got '$p'"; done
((PORT_BASE >= 1024 && PORT_BASE <= 65000)) || die "PORT_BASE must be in [1024, 65000]"

if [[ $SKIP_BUILD != 1 ]]; then
  echo "== building Release binaries in $BUILD_DIR"
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD_DIR" --target shadekv shadekv-shadow shadekv_publisher shadow_bench -j"$JOBS" | tail -1
fi
BENCH="$BUILD_DIR/bin/shadow_bench"
SHADEKV="$BUILD_DIR/bin/shadekv"
SHADOW="$BUILD_DIR/bin/shadekv-shadow"
PUBLISHER="$BUILD_DIR/plugins/libshadekv_publisher.so"
for f in "$BENCH" "$SHADEKV" "$SHADOW" "$PUBLISHER"; do [[ -f $f ]] || die "$f is missing (build it or unset SKIP_BUILD)"; done

WORK=$(mktemp -d /tmp/shadow-bench.XXXXXX)
AGENT_PID=""
SHADOW_PID=""
stop_all() {
  stop_pid "$SHADOW_PID"; SHADOW_PID=""
  stop_pid "$AGENT_PID"; AGENT_PID=""
}
cleanup() {
  stop_all
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

FAILURES="$WORK/failures"
: >"$FAILURES"
echo "== shadow: parts [$PARTS]; machine: $(machine_line)"

if [[ " $PARTS " == *" lag "* ]]; then
  LAG_RESULTS="$WORK/lag"
  : >"$LAG_RESULTS"
  for rate in $RATES; do
    cell="lag-$rate"
    events=$((rate * DURATION_S))
    echo "== lag: $rate puts/s, $events puts (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    if ! start_agent "$WORK/$cell"; then
      echo "$cell: agent did not start" >>"$FAILURES"; stop_all; continue
    fi
    start_shadow "$WORK/$cell"
    if ! wait_http "http://127.0.0.1:$SHADOW_PORT/v3/shadow/status" '"up_to_date":true' "$SHADOW_PID"; then
      echo "$cell: shadow not up to date within 30 s" >>"$FAILURES"; tail -3 "$WORK/$cell/shadow.log"; stop_all; continue
    fi
    out="$WORK/$cell.out"
    set +e
    timeout --signal=KILL $((TIMEOUT_S + 30)) "$BENCH" --mode lag \
      --primary "127.0.0.1:$CLIENT_PORT" --shadow "127.0.0.1:$SHADOW_PORT" --rate "$rate" \
      --events "$events" --clients "$CLIENTS" --value-bytes "$VALUE_BYTES" \
      --timeout-s "$TIMEOUT_S" --label "shadekv" >"$out" 2>&1
    rc=$?
    set -e
    sed 's/^/   /' "$out" | grep -v '^   RESULT '
    line=$(grep '^RESULT ' "$out" || true)
    [[ -n $line ]] && echo "$line agent_cpu_s=$(awk '{printf "%.1f", ($14+$15)/100}' /proc/$AGENT_PID/stat 2>/dev/null || echo 0) shadow_cpu_s=$(awk '{printf "%.1f", ($14+$15)/100}' /proc/$SHADOW_PID/stat 2>/dev/null || echo 0) load1=$(cut -d' ' -f1 /proc/loadavg)" >>"$LAG_RESULTS"
    ((rc == 0)) || echo "$cell: $(grep -m1 'error:' "$out" || echo "exit status $rc")" >>"$FAILURES"
    stop_all
  done
  echo
  echo "== lag (ms; ack = the put's HTTP response, send = the client's send stamp; event = its arrival on a watch)"
  echo "| target puts/s | achieved puts/s | put p50 / p99 | shadow: ack->event p50 / p90 / p99 / max | shadow: send->event p50 / p99 | primary: ack->event p50 / p90 / p99 / max | primary: send->event p50 / p99 | shadow / primary send->event p50; p99 | missed/dup/reordered (shadow, primary) | ok |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  awk '/^RESULT / {
    delete kv
    for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
    # send->event, not ack->event: on the primary most events beat the put
    # response (ack->event clamps at 0), so only send->event has a ratio.
    r50 = kv["primary_send_p50_ms"] > 0 ? sprintf("%.2f x (+%.2f ms)", kv["shadow_send_p50_ms"] / kv["primary_send_p50_ms"], kv["shadow_send_p50_ms"] - kv["primary_send_p50_ms"]) : "n/a"
    r99 = kv["primary_send_p99_ms"] > 0 ? sprintf("%.2f x (+%.2f ms)", kv["shadow_send_p99_ms"] / kv["primary_send_p99_ms"], kv["shadow_send_p99_ms"] - kv["primary_send_p99_ms"]) : "n/a"
    printf "| %d | %.0f%s | %.2f / %.2f | %.2f / %.2f / %.2f / %.2f | %.2f / %.2f | %.2f / %.2f / %.2f / %.2f | %.2f / %.2f | %s; %s | %d/%d/%d, %d/%d/%d | %s |\n",
      kv["target_rate"], kv["achieved_rate"], kv["achieved_rate"] < 0.95 * kv["target_rate"] ? " (not reached)" : "",
      kv["put_p50_ms"], kv["put_p99_ms"],
      kv["shadow_ack_p50_ms"], kv["shadow_ack_p90_ms"], kv["shadow_ack_p99_ms"], kv["shadow_ack_max_ms"],
      kv["shadow_send_p50_ms"], kv["shadow_send_p99_ms"],
      kv["primary_ack_p50_ms"], kv["primary_ack_p90_ms"], kv["primary_ack_p99_ms"], kv["primary_ack_max_ms"],
      kv["primary_send_p50_ms"], kv["primary_send_p99_ms"], r50, r99,
      kv["shadow_missed"], kv["shadow_dup"], kv["shadow_out_of_order"],
      kv["primary_missed"], kv["primary_dup"], kv["primary_out_of_order"], kv["ok"] == 1 ? "yes" : "NO"
  }' "$LAG_RESULTS"
  echo "== per run"
  sed 's/^/   /' "$LAG_RESULTS"
fi

if [[ " $PARTS " == *" sync "* ]]; then
  SYNC_RESULTS="$WORK/sync"
  : >"$SYNC_RESULTS"
  for keys in $SYNC_KEYS; do
    cell="sync-$keys"
    echo "== sync: $keys keys (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    if ! start_agent "$WORK/$cell"; then
      echo "$cell: agent did not start" >>"$FAILURES"; stop_all; continue
    fi
    out="$WORK/$cell.load.out"
    set +e
    timeout --signal=KILL $((SYNC_TIMEOUT_S + 30)) "$BENCH" --mode load \
      --primary "127.0.0.1:$CLIENT_PORT" --keys "$keys" --batch 128 --clients "$CLIENTS" \
      --value-bytes "$SYNC_VALUE_BYTES" --timeout-s "$SYNC_TIMEOUT_S" --label load >"$out" 2>&1
    rc=$?
    set -e
    sed 's/^/   /' "$out" | grep -v '^   RESULT '
    load_line=$(grep '^RESULT ' "$out" || true)
    if ((rc != 0)) || [[ -z $load_line ]]; then
      echo "$cell: load failed: $(grep -m1 'error:' "$out" || echo "exit status $rc")" >>"$FAILURES"; stop_all; continue
    fi
    last_rev=$(sed -n 's/.* last_revision=\([0-9]*\).*/\1/p' <<<"$load_line")
    load_s=$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$load_line")
    agent_kb=$(du -sk "$WORK/$cell/data" | cut -f1)
    start_shadow "$WORK/$cell"
    synced=0
    status=""
    # Bounded: SYNC_TIMEOUT_S at 20 polls/s at most.
    for _ in $(seq $((SYNC_TIMEOUT_S * 20))); do
      kill -0 "$SHADOW_PID" 2>/dev/null || break
      status=$(curl -s -m 1 "http://127.0.0.1:$SHADOW_PORT/v3/shadow/status" 2>/dev/null || true)
      if [[ $(json_field "$status" up_to_date) == true && $(json_field "$status" lag_revisions) == 0 &&
        $(json_field "$status" applied_revision) -ge $last_rev ]] 2>/dev/null; then
        synced=1
        break
      fi
      (($(date +%s%N) - SHADOW_START_NS < SYNC_TIMEOUT_S * 1000000000)) || break
      sleep 0.05
    done
    end_ns=$(date +%s%N)
    rss_kb=$(peak_rss_kb "$SHADOW_PID")
    # The copy is the same data: hashkv at the primary's revision on both
    # (outside the timed span).
    hash_body="{\"revision\":\"$last_rev\"}"
    primary_hash=$(json_field "$(curl -s -m 30 -X POST -d "$hash_body" "http://127.0.0.1:$CLIENT_PORT/v3/maintenance/hashkv" || true)" hash)
    shadow_hash=$(json_field "$(curl -s -m 30 -X POST -d "$hash_body" "http://127.0.0.1:$SHADOW_PORT/v3/maintenance/hashkv" || true)" hash)
    hash_equal=0
    [[ -n $primary_hash && $primary_hash == "$shadow_hash" ]] && hash_equal=1
    sync_s=$(awk -v a="$SHADOW_START_NS" -v b="$end_ns" 'BEGIN {printf "%.2f", (b - a) / 1e9}')
    shadow_kb=$(du -sk "$WORK/$cell/shadow" | cut -f1)
    snapshots=$(json_field "$status" snapshots_installed)
    received=$(grep -o '[0-9.]* MiB received' "$WORK/$cell/shadow.log" | tail -1 | cut -d' ' -f1 || true)
    [[ -n $received ]] || received="?"
    echo "   hashkv at revision $last_rev: primary $primary_hash, shadow $shadow_hash (equal: $hash_equal)"
    echo "   shadow: synced=$synced in $sync_s s, peak RSS $((rss_kb / 1024)) MiB, data $((shadow_kb / 1024)) MiB, snapshots $snapshots, $received MiB received (last progress line)"
    grep -E 'in sync|initial sync' "$WORK/$cell/shadow.log" | tail -2 | sed 's/^/   shadow log: /'
    echo "RESULT keys=$keys load_s=$load_s last_revision=$last_rev agent_data_mib=$((agent_kb / 1024)) sync_s=$sync_s shadow_peak_rss_mib=$((rss_kb / 1024)) shadow_data_mib=$((shadow_kb / 1024)) snapshots=${snapshots:-?} received_mib=${received:-?} synced=$synced hash_equal=$hash_equal load1=$(cut -d' ' -f1 /proc/loadavg)" >>"$SYNC_RESULTS"
    ((synced == 1)) || echo "$cell: shadow not in sync after $sync_s s: $status" >>"$FAILURES"
    ((hash_equal == 1)) || echo "$cell: hashkv differs at revision $last_rev: primary '$primary_hash', shadow '$shadow_hash'" >>"$FAILURES"
    stop_all
  done
  echo
  echo "== initial sync (a fresh shadow, timed from its exec to up_to_date with lag 0 at the primary's revision)"
  echo "| keys | load time s (txns of 128) | primary revision | primary data MiB | sync time s | shadow peak RSS MiB | shadow data MiB | snapshots | MiB received (progress) | hashkv equal | ok |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
  awk '/^RESULT / {
    delete kv
    for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
    printf "| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", kv["keys"], kv["load_s"], kv["last_revision"],
      kv["agent_data_mib"], kv["sync_s"], kv["shadow_peak_rss_mib"], kv["shadow_data_mib"], kv["snapshots"],
      kv["received_mib"], kv["hash_equal"] == 1 ? "yes" : "NO", kv["synced"] == 1 ? "yes" : "NO"
  }' "$SYNC_RESULTS"
  echo "== per run"
  sed 's/^/   /' "$SYNC_RESULTS"
fi

if [[ -s $FAILURES ]]; then
  echo
  echo "== failed runs"
  sed 's/^/   /' "$FAILURES"
  exit 1
fi
