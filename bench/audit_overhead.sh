#!/usr/bin/env bash
# Audit plugin overhead on put throughput (docs/benchmarks.md "Shadow and
# audit"): the same fresh single-member agent and the same unpaced put load
# (shadow_bench --mode puts: CLIENTS clients, EVENTS puts, VALUE_BYTES-byte
# values) with and without the audit plugin, variants alternated in every
# round (A B C D, A B C D, ...) so drift on this shared machine hits them all
# alike. Reports per variant the median throughput and p99 over the rounds
# and the ratio to the run without the plugin.
#
# Variants: none (no plugin at all), never / interval / always (the audit
# plugin with audit.fsync=never, interval (audit.fsync_interval_ms=1000),
# always, its default). The publisher is not loaded: only audit is measured.
#
# Environment (defaults in brackets):
#   VARIANTS ["none never interval always"]  ROUNDS [3]  EVENTS [20000]
#   CLIENTS [16]  VALUE_BYTES [128]  TIMEOUT_S [180] per run
#   PORT_BASE [28400]  BUILD_DIR [build-rel]  JOBS [2]  SKIP_BUILD [0]
# Exit status 0 when every run put every value.
set -euo pipefail

cd "$(dirname "$0")/.."
VARIANTS=${VARIANTS:-"none never interval always"}
ROUNDS=${ROUNDS:-3}
EVENTS=${EVENTS:-20000}
CLIENTS=${CLIENTS:-16}
VALUE_BYTES=${VALUE_BYTES:-128}
TIMEOUT_S=${TIMEOUT_S:-180}
PORT_BASE=${PORT_BASE:-28400}
BUILD_DIR=${BUILD_DIR:-build-rel}
JOBS=${JOBS:-2}
SKIP_BUILD=${SKIP_BUILD:-0}
source bench/shadow_common.sh

for v in ROUNDS EVENTS CLIENTS VALUE_BYTES TIMEOUT_S PORT_BASE JOBS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, got '${!v}'"
done
for v in $VARIANTS; do
  [[ $v == none || $v == never || $v == interval || $v == always ]] ||
    die "VARIANTS takes none, never, interval, always; got '$v'"
done
[[ -n ${VARIANTS// /} ]] || die "VARIANTS must not be empty"
((VALUE_BYTES >= 24)) || die "VALUE_BYTES must be >= 24 (the send stamp)"
((PORT_BASE >= 1024 && PORT_BASE <= 65000)) || die "PORT_BASE must be in [1024, 65000]"

if [[ $SKIP_BUILD != 1 ]]; then
  echo "== building Release binaries in $BUILD_DIR"
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD_DIR" --target shadekv shadekv_audit shadow_bench -j"$JOBS" | tail -1
fi
BENCH="$BUILD_DIR/bin/shadow_bench"
SHADEKV="$BUILD_DIR/bin/shadekv"
AUDIT="$BUILD_DIR/plugins/libshadekv_audit.so"
for f in "$BENCH" "$SHADEKV" "$AUDIT"; do [[ -f $f ]] || die "$f is missing (build it or unset SKIP_BUILD)"; done

WORK=$(mktemp -d /tmp/audit-bench.XXXXXX)
AGENT_PID=""
cleanup() {
  stop_pid "$AGENT_PID"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export WITH_PUBLISHER=0

# plugin_metric NAME: shadekv_plugin_NAME{plugin="audit"} from the agent's
# /metrics, 0 when absent (no plugin loaded).
plugin_metric() {
  local v
  v=$(curl -s -m 2 "http://127.0.0.1:$CLIENT_PORT/metrics" 2>/dev/null |
    awk -v n="shadekv_plugin_$1{plugin=\"audit\"}" '$1 == n {print $2}' || true)
  echo "${v:-0}"
}

RESULTS="$WORK/results"
FAILURES="$WORK/failures"
: >"$RESULTS"
: >"$FAILURES"
echo "== audit overhead: variants [$VARIANTS] x $ROUNDS rounds, $EVENTS puts, $CLIENTS clients, $VALUE_BYTES-byte values"
echo "   machine: $(machine_line)"
for round in $(seq "$ROUNDS"); do
  for variant in $VARIANTS; do
    cell="r$round-$variant"
    dir="$WORK/$cell"
    args=()
    if [[ $variant != none ]]; then
      args=(--plugin "$AUDIT" --plugin-config "audit.path=$dir/audit.log" --plugin-config "audit.fsync=$variant")
    fi
    if ! start_agent "$dir" "${args[@]}"; then
      echo "$cell: agent did not start" >>"$FAILURES"; stop_pid "$AGENT_PID"; AGENT_PID=""; continue
    fi
    out="$dir.out"
    set +e
    timeout --signal=KILL $((TIMEOUT_S + 30)) "$BENCH" --mode puts --primary "127.0.0.1:$CLIENT_PORT" \
      --events "$EVENTS" --clients "$CLIENTS" --value-bytes "$VALUE_BYTES" \
      --timeout-s "$TIMEOUT_S" --label "$variant" >"$out" 2>&1
    rc=$?
    set -e
    # The plugin runs on its own thread behind a bounded queue (the agent
    # never waits for it, plugins/README.md): what it kept up with is only
    # visible in its counters. At the end of the load, then after its queue
    # drained (bounded: 600 polls, 60 s).
    depth_end=$(plugin_metric queue_depth)
    drain_start=$(date +%s%N)
    for _ in $(seq 600); do
      [[ $variant == none || $(plugin_metric queue_depth) == 0 ]] && break
      sleep 0.1
    done
    drain_s=$(awk -v a="$drain_start" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}')
    [[ $variant == none ]] && drain_s=0
    cpu=$(awk '{printf "%.1f", ($14+$15)/100}' "/proc/$AGENT_PID/stat" 2>/dev/null || echo 0)
    logged=$(plugin_metric events_delivered_total)
    dropped=$(plugin_metric dropped_total)
    audit_kb=0
    [[ -f $dir/audit.log ]] && audit_kb=$(du -sk "$dir/audit.log" | cut -f1)
    echo "   round $round $(grep -v '^RESULT ' "$out" | head -3)"
    echo "     agent CPU ${cpu} s; audit: queue ${depth_end} at the end of the load, drained in ${drain_s} s, events logged ${logged}, messages dropped ${dropped}, log ${audit_kb} KiB"
    line=$(grep '^RESULT ' "$out" || true)
    [[ -n $line ]] && echo "$line round=$round agent_cpu_s=$cpu audit_kib=$audit_kb queue_at_end=$depth_end drain_s=$drain_s events_logged=$logged dropped=$dropped" >>"$RESULTS"
    ((rc == 0)) || echo "$cell: $(grep -m1 'error:' "$out" || echo "exit status $rc")" >>"$FAILURES"
    stop_pid "$AGENT_PID"
    AGENT_PID=""
    rm -rf "$dir/data" # the next agent starts fresh; keep the disk small
  done
done

echo
echo "== audit overhead (median over $ROUNDS rounds; ratio = variant / none)"
echo "| audit plugin | puts/s (median) | puts/s per round | put p50 ms (median) | put p99 ms (median) | throughput ratio | p99 ratio | agent CPU s per run (median) | audit queue at end of load (median) | queue drained after s (max) | events logged / puts (min) | messages dropped (max) |"
echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
awk '
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  /^RESULT / {
    delete kv
    for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
    v = kv["label"]
    if (!(v in seen)) { seen[v] = 1; order[++n] = v }
    rate[v] = rate[v] " " kv["achieved_rate"]; p50[v] = p50[v] " " kv["put_p50_ms"]
    p99[v] = p99[v] " " kv["put_p99_ms"]; cpu[v] = cpu[v] " " kv["agent_cpu_s"]
    qend[v] = qend[v] " " kv["queue_at_end"]
    if (kv["drain_s"] + 0 > drain[v] + 0) drain[v] = kv["drain_s"]
    if (kv["dropped"] + 0 > dropped[v] + 0) dropped[v] = kv["dropped"]
    frac = kv["sent"] > 0 ? kv["events_logged"] / kv["sent"] : 0
    if (!(v in logged) || frac < logged[v]) logged[v] = frac
  }
  END {
    if ("none" in seen) { base_rate = median(rate["none"]); base_p99 = median(p99["none"]) }
    for (i = 1; i <= n; i++) {
      v = order[i]
      name = v == "none" ? "none" : "audit, fsync=" v
      rr = base_rate > 0 ? sprintf("%.2f", median(rate[v]) / base_rate) : "n/a"
      pr = base_p99 > 0 ? sprintf("%.2f", median(p99[v]) / base_p99) : "n/a"
      per = rate[v]; gsub(/^ /, "", per); gsub(/\.[0-9]+/, "", per); gsub(/ /, ", ", per)
      lg = v == "none" ? "-" : sprintf("%.3f", logged[v])
      printf "| %s | %.0f | %s | %.2f | %.2f | %s | %s | %.1f | %s | %s | %s | %s |\n", name, median(rate[v]), per, median(p50[v]), median(p99[v]), rr, pr, median(cpu[v]), v == "none" ? "-" : median(qend[v]), v == "none" ? "-" : drain[v] + 0, lg, v == "none" ? "-" : dropped[v] + 0
    }
  }' "$RESULTS"
echo "== per run"
sed 's/^/   /' "$RESULTS"
if [[ -s $FAILURES ]]; then
  echo
  echo "== failed runs"
  sed 's/^/   /' "$FAILURES"
  exit 1
fi
