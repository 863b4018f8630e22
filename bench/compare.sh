#!/usr/bin/env bash
# shadekv against etcd 3.4 on this machine, side by side, in one run
# (docs/benchmarks.md "shadekv vs etcd (issue 9)"; the targets are issue 9's).
#
# Builds Release binaries (shadekv, shadekv-bench) in build-bench, then for
# each topology (1 member, 3 members on 127.0.0.1, every member with its own
# temp data dir on the same disk) and each round starts a fresh etcd cluster
# and a fresh shadekv cluster one after the other (the order flips every
# round, so a drift in machine load hits both), and against each:
#   - times process start -> first successful linearizable range (empty store;
#     polled every millisecond over bash's /dev/tcp, no process per probe)
#   - samples idle RSS (VmRSS summed over members, 2 s after the first answer)
#     and its anonymous part (RssAnon: heap, stacks; the rest is file pages of
#     the binary and its shared libraries)
#   - runs the same shadekv-bench workloads (-w json): put (64 connections,
#     128-byte values), linearizable and serializable single-key range, and on
#     1 member the watch fan-out (1,000 watchers) twice: back-to-back puts
#     (each server's own pace) and paced at WATCH_RATE puts/s (the same
#     offered load for both, below what either sustains), and a put rate
#     sweep (--rate steps) for the p99-against-throughput plot
#   - optionally (LOAD_1M=1, 1 member) loads 1M keys and samples idle RSS again
#   - records peak RSS (VmHWM summed over members) and stops every member by PID.
# Ends with a table of means and shadekv/etcd ratios, and a PNG plot (gnuplot,
# installed from Debian's gnuplot-nox when missing).
#
# Environment (defaults in brackets; SMALL=1 shrinks every count for a smoke run):
#   SMALL [0]  ROUNDS [2]  TOPOLOGIES ["1 3"]  LOAD_1M [0]
#   WORKLOADS ["put range_l range_s sweep watch watch_paced"]: which runs
#     (sweep and the watch runs happen on 1 member only); e.g. WORKLOADS=put
#     TOPOLOGIES=3 for the 3-member put alone
#   PUT_TOTAL [100000]  RANGE_TOTAL [200000]  CONNS [64]  VAL_SIZE [128]
#   WATCHERS [1000]  WATCH_PUTS [500]  WATCH_RATE [10]  WATCH_PACED_PUTS [150]  RATES ["1000 2000 4000 8000 16000"]
#   SWEEP_SECONDS [5]  SWEEP_CONNS [16]  OUT_DIR [$BUILD_DIR/compare-DATE]
#   PORT_BASE [22000]  BUILD_DIR [build-bench]  JOBS [2]  SKIP_BUILD [0]  PLOT [1]
#   RUN_TIMEOUT_S [600] per shadekv-bench run
#   SHADEKV_BIN [$BUILD_DIR/bin/shadekv]  BENCH_BIN [$BUILD_DIR/bin/shadekv-bench]
#   ETCD_BIN [/usr/bin/etcd]
# Exit status: 0 when every run succeeded and passed its correctness check,
# 1 otherwise (the tables are printed either way).
set -euo pipefail

cd "$(dirname "$0")/.."
SMALL=${SMALL:-0}
if [[ $SMALL == 1 ]]; then
  : "${ROUNDS:=1}" "${PUT_TOTAL:=300}" "${RANGE_TOTAL:=300}" "${CONNS:=4}" "${WATCHERS:=10}"
  : "${WATCH_PUTS:=20}" "${WATCH_PACED_PUTS:=10}" "${RATES:=100 200}" "${SWEEP_SECONDS:=1}" "${SWEEP_CONNS:=2}"
fi
ROUNDS=${ROUNDS:-2}
TOPOLOGIES=${TOPOLOGIES:-"1 3"}
LOAD_1M=${LOAD_1M:-0}
WORKLOADS=${WORKLOADS:-"put range_l range_s sweep watch watch_paced"}
PUT_TOTAL=${PUT_TOTAL:-100000}
RANGE_TOTAL=${RANGE_TOTAL:-200000}
CONNS=${CONNS:-64}
VAL_SIZE=${VAL_SIZE:-128}
WATCHERS=${WATCHERS:-1000}
WATCH_PUTS=${WATCH_PUTS:-500}
WATCH_RATE=${WATCH_RATE:-10}
WATCH_PACED_PUTS=${WATCH_PACED_PUTS:-150}
RATES=${RATES:-"1000 2000 4000 8000 16000"}
SWEEP_SECONDS=${SWEEP_SECONDS:-5}
SWEEP_CONNS=${SWEEP_CONNS:-16}
# Below Linux's ephemeral range (32768-60999), where a port can be taken by an
# outgoing connection that a connect probe does not see.
PORT_BASE=${PORT_BASE:-22000}
BUILD_DIR=${BUILD_DIR:-build-bench}
JOBS=${JOBS:-2}
SKIP_BUILD=${SKIP_BUILD:-0}
PLOT=${PLOT:-1}
RUN_TIMEOUT_S=${RUN_TIMEOUT_S:-600}
ETCD_BIN=${ETCD_BIN:-/usr/bin/etcd}
OUT_DIR=${OUT_DIR:-$BUILD_DIR/compare-$(date -u +%Y%m%d-%H%M%S)}

die() {
  echo "compare.sh: error: $*" >&2
  exit 1
}

for v in SMALL ROUNDS LOAD_1M PUT_TOTAL RANGE_TOTAL CONNS VAL_SIZE WATCHERS WATCH_PUTS WATCH_RATE WATCH_PACED_PUTS \
  SWEEP_SECONDS SWEEP_CONNS PORT_BASE JOBS SKIP_BUILD PLOT RUN_TIMEOUT_S; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a non-negative integer, got '${!v}'"
done
((ROUNDS >= 1 && ROUNDS <= 10)) || die "ROUNDS must be in [1, 10]"
for w in $WORKLOADS; do
  [[ " put range_l range_s sweep watch watch_paced " == *" $w "* ]] ||
    die "WORKLOADS: unknown run '$w' (known: put range_l range_s sweep watch watch_paced)"
done
wants() { [[ " $WORKLOADS " == *" $1 "* ]]; }
((PORT_BASE >= 1024 && PORT_BASE <= 65000)) || die "PORT_BASE must be in [1024, 65000]"
((CONNS >= 1 && WATCHERS >= 1 && PUT_TOTAL >= 1 && RANGE_TOTAL >= 1 && WATCH_PUTS >= 1 &&
  WATCH_RATE >= 1 && WATCH_PACED_PUTS >= 1)) ||
  die "CONNS, WATCHERS, PUT_TOTAL, RANGE_TOTAL, WATCH_PUTS, WATCH_RATE and WATCH_PACED_PUTS must be at least 1"
for t in $TOPOLOGIES; do [[ $t == 1 || $t == 3 ]] || die "TOPOLOGIES takes 1 and/or 3, got '$t'"; done
[[ -n ${TOPOLOGIES// /} ]] || die "TOPOLOGIES is empty"
for r in $RATES; do [[ $r =~ ^[1-9][0-9]*$ ]] || die "RATES must be positive integers, got '$r'"; done
[[ -x $ETCD_BIN ]] || die "$ETCD_BIN is missing (apt-get install etcd-server, or scripts/deps.sh)"
command -v curl >/dev/null || die "curl is missing"

if [[ $SKIP_BUILD != 1 ]]; then
  echo "== building Release binaries in $BUILD_DIR"
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSHADEKV_BUILD_TESTS=OFF \
    "${launcher[@]}" >/dev/null
  cmake --build "$BUILD_DIR" --target shadekv shadekv-bench -j"$JOBS" | tail -1
fi
SHADEKV=${SHADEKV_BIN:-"$BUILD_DIR/bin/shadekv"}
BENCH=${BENCH_BIN:-"$BUILD_DIR/bin/shadekv-bench"}
[[ -x $SHADEKV ]] || die "$SHADEKV is missing (build it or unset SKIP_BUILD)"
[[ -x $BENCH ]] || die "$BENCH is missing (build it or unset SKIP_BUILD)"

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
(($(ulimit -n) >= WATCHERS + CONNS + 256)) || die "ulimit -n is $(ulimit -n); $((WATCHERS + CONNS + 256)) needed"

mkdir -p "$OUT_DIR"
WORK=$(mktemp -d /tmp/shadekv-compare.XXXXXX)
PIDS=() # members of the running cluster, started here
stop_cluster() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do # up to 5 s for a clean exit, then SIGKILL
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
cleanup() {
  stop_cluster
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

NEXT_PORT=$PORT_BASE
# Sets FREE_PORT to a port nothing listens on, from NEXT_PORT upwards
# (bounded: 200 tries; wraps to PORT_BASE past PORT_BASE+399, our range).
free_port() {
  local p
  ((NEXT_PORT < PORT_BASE + 380)) || NEXT_PORT=$PORT_BASE
  for ((p = NEXT_PORT; p < NEXT_PORT + 200; p++)); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      NEXT_PORT=$((p + 1))
      FREE_PORT=$p
      return 0
    fi
  done
  die "no free port in $NEXT_PORT..$((NEXT_PORT + 199))"
}

sum_status_kb() { # FIELD: VmRSS, RssAnon or VmHWM summed over PIDS
  local total=0 pid kb
  for pid in "${PIDS[@]}"; do
    kb=$(awk -v f="$1:" '$1 == f {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}

# probe_range PORT: the HTTP status of a linearizable range of one key on
# 127.0.0.1:PORT, or nothing. Bash's /dev/tcp, so a probe costs no process
# start (a curl per probe would add its own milliseconds to the measurement).
probe_range() {
  local body='{"key":"AA=="}' line=""
  { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 0
  printf 'POST /v3/kv/range HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
    "${#body}" "$body" >&3 2>/dev/null || true
  IFS=' ' read -r -t 0.5 _ line _ <&3 2>/dev/null || true
  exec 3<&- 3>&- 2>/dev/null || true
  echo "$line"
}

# start_cluster SERVER MEMBERS DIR: starts every member, then polls a
# linearizable range on the first member until it answers 200. Sets PIDS,
# ENDPOINTS (comma-separated HOST:PORT) and START_MS (exec of the first member
# to that first answer). Fails when a member exits or after 60 s.
start_cluster() {
  local server=$1 members=$2 dir=$3 i cluster="" scheme
  local clients=() peers=()
  scheme=$([[ $server == etcd ]] && echo http || echo tcp)
  for ((i = 0; i < members; i++)); do
    free_port; clients+=("$FREE_PORT")
    free_port; peers+=("$FREE_PORT")
    cluster+="${cluster:+,}m$i=$scheme://127.0.0.1:${peers[i]}"
  done
  ENDPOINTS=""
  local start_ns bin
  bin=$([[ $server == etcd ]] && echo "$ETCD_BIN" || echo "$SHADEKV")
  start_ns=$(date +%s%N)
  for ((i = 0; i < members; i++)); do
    mkdir -p "$dir/m$i"
    "$bin" --name "m$i" --data-dir "$dir/m$i/data" \
      --listen-client-urls "http://127.0.0.1:${clients[i]}" --advertise-client-urls "http://127.0.0.1:${clients[i]}" \
      --listen-peer-urls "$scheme://127.0.0.1:${peers[i]}" --initial-advertise-peer-urls "$scheme://127.0.0.1:${peers[i]}" \
      --initial-cluster "$cluster" --initial-cluster-token "compare-$server-$members" \
      --initial-cluster-state new >"$dir/m$i.log" 2>&1 &
    PIDS+=($!)
    ENDPOINTS+="${ENDPOINTS:+,}127.0.0.1:${clients[i]}"
  done
  local code pid
  while :; do
    for pid in "${PIDS[@]}"; do
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "   $server: a member exited during start-up; last log lines:" >&2
        tail -n 5 "$dir"/m*.log >&2
        return 1
      fi
    done
    code=$(probe_range "${clients[0]}")
    if [[ $code == 200 ]]; then
      START_MS=$((($(date +%s%N) - start_ns) / 1000000))
      return 0
    fi
    if (($(date +%s%N) - start_ns > 60000000000)); then
      echo "   $server: no answer within 60 s" >&2
      return 1
    fi
    sleep 0.001
  done
}

RESULTS="$OUT_DIR/results.tsv" # server members round metric value
RUNS="$OUT_DIR/runs.jsonl"     # every shadekv-bench JSON line, labelled
FAILURES="$OUT_DIR/failures.txt"
: >"$RESULTS"
: >"$RUNS"
: >"$FAILURES"

record() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RESULTS"; }

# json_num JSON FIELD: the first number named FIELD (latency_ms comes before
# the watch's put_latency_ms, so "p99" is the workload's own p99).
json_num() { grep -o "\"$2\":[-0-9.eE+]*" <<<"$1" | head -1 | cut -d: -f2; }

# bench SERVER MEMBERS ROUND NAME ARGS...: runs shadekv-bench -w json, keeps
# its line, records throughput and p99; a failure is listed, not fatal.
bench() {
  local server=$1 members=$2 round=$3 name=$4 out rc workload
  shift 4
  case $name in
    range_*) workload=range ;;
    watch*) workload=watch ;;
    *) workload=put ;; # put, sweep_RATE, load_1m
  esac
  set +e
  out=$(timeout --signal=KILL $((RUN_TIMEOUT_S + 30)) "$BENCH" "$workload" "$@" --endpoints "$ENDPOINTS" \
    --label "$server" --timeout "$RUN_TIMEOUT_S" --progress=false -w json 2>"$WORK/bench.err")
  rc=$?
  set -e
  if [[ -n $out ]]; then
    echo "{\"server\":\"$server\",\"members\":$members,\"round\":$round,\"run\":\"$name\",\"result\":$out}" >>"$RUNS"
  fi
  if ((rc != 0)) || [[ -z $out ]]; then
    echo "$server/$members round $round $name: exit $rc: $(head -c 300 "$WORK/bench.err")" >>"$FAILURES"
    echo "   $name: FAILED (exit $rc)"
    return 0
  fi
  if ! grep -q '"errors":{}' <<<"$out"; then
    echo "$server/$members round $round $name: errors $(grep -o '"errors":{[^}]*}' <<<"$out")" >>"$FAILURES"
  fi
  local tput p99 ok
  tput=$(json_num "$out" throughput)
  p99=$(json_num "$out" p99)
  ok=$(json_num "$out" ok)
  record "$server" "$members" "$round" "$name.throughput" "$tput"
  record "$server" "$members" "$round" "$name.p99_ms" "$p99"
  printf '   %-22s %10s req/s  p99 %8s ms  ok %s\n' "$name" "$tput" "$p99" "$ok"
}

run_server() {
  local server=$1 members=$2 round=$3 dir="$WORK/$1-$2-$3"
  echo "== $server, $members member(s), round $round (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  mkdir -p "$dir"
  if ! start_cluster "$server" "$members" "$dir"; then
    echo "$server/$members round $round: cluster did not start" >>"$FAILURES"
    stop_cluster
    return 0
  fi
  record "$server" "$members" "$round" start_to_first_request_ms "$START_MS"
  sleep 2
  local idle anon
  idle=$(sum_status_kb VmRSS)
  anon=$(sum_status_kb RssAnon)
  record "$server" "$members" "$round" idle_rss_kb "$idle"
  record "$server" "$members" "$round" idle_rss_anon_kb "$anon"
  echo "   start to first request ${START_MS} ms, idle RSS ${idle} KiB (anonymous ${anon} KiB)"

  wants put && bench "$server" "$members" "$round" put --conns "$CONNS" --clients "$CONNS" --total "$PUT_TOTAL" \
    --val-size "$VAL_SIZE" --key-space-size "$PUT_TOTAL" --sequential-keys
  wants range_l && bench "$server" "$members" "$round" range_l --conns "$CONNS" --clients "$CONNS" \
    --total "$RANGE_TOTAL" --consistency l --val-size "$VAL_SIZE"
  wants range_s && bench "$server" "$members" "$round" range_s --conns "$CONNS" --clients "$CONNS" \
    --total "$RANGE_TOTAL" --consistency s --val-size "$VAL_SIZE"
  if ((members == 1)); then
    local rate
    for rate in $RATES; do
      wants sweep || break
      bench "$server" "$members" "$round" "sweep_$rate" --conns "$SWEEP_CONNS" \
        --clients "$SWEEP_CONNS" --duration "$SWEEP_SECONDS" --rate "$rate" \
        --val-size "$VAL_SIZE" --key-space-size 10000
    done
    # Watch runs last: right after 1,000 watch streams closed, shadekv's
    # first sweep step measured a p99 three times that of a fresh member
    # (12 ms against 3-4 ms at 1,000 puts/s), the cost of retiring the
    # streams' threads, which belongs to no sweep step.
    wants watch && bench "$server" "$members" "$round" watch --watchers "$WATCHERS" --writers 1 \
      --total "$WATCH_PUTS" --val-size "$VAL_SIZE"
    wants watch_paced && bench "$server" "$members" "$round" watch_paced --watchers "$WATCHERS" --writers 1 \
      --total "$WATCH_PACED_PUTS" --rate "$WATCH_RATE" --val-size "$VAL_SIZE"
    if [[ $LOAD_1M == 1 ]]; then
      bench "$server" "$members" "$round" load_1m --conns "$CONNS" --clients "$CONNS" \
        --total 1000000 --key-space-size 1000000 --sequential-keys --val-size "$VAL_SIZE"
      sleep 5
      record "$server" "$members" "$round" idle_rss_1m_kb "$(sum_status_kb VmRSS)"
    fi
  fi
  record "$server" "$members" "$round" peak_rss_kb "$(sum_status_kb VmHWM)"
  stop_cluster
}

echo "== shadekv vs etcd: topologies '$TOPOLOGIES', $ROUNDS round(s)$([[ $SMALL == 1 ]] && echo ', SMALL smoke counts')"
echo "   machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ {printf "%.1f GiB RAM", $2/1048576}' /proc/meminfo), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "   etcd: $("$ETCD_BIN" --version | head -1); shadekv: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "   results in $OUT_DIR"
for members in $TOPOLOGIES; do
  for ((round = 1; round <= ROUNDS; round++)); do
    order="etcd shadekv"
    ((round % 2 == 0)) && order="shadekv etcd"
    for server in $order; do run_server "$server" "$members" "$round"; done
  done
done

echo
echo "== means over rounds; ratio = shadekv / etcd (targets from issue 9 in the last column)"
awk -F'\t' '
  { key = $2 "\t" $4; sum[$1, key] += $5; n[$1, key]++; keys[key] = 1 }
  function mean(s, k) { return n[s, k] ? sum[s, k] / n[s, k] : "" }
  function target(m, k) {
    if (k == "put.throughput" && m == 3) return ">= 2"
    if (k == "put.p99_ms" && m == 3) return "<= 1"
    if (k == "range_l.throughput") return ">= 2"
    if (k == "range_s.throughput") return ">= 3"
    if (k == "watch_paced.p99_ms") return "<= 1"
    if (k == "idle_rss_kb") return "<= 0.33"
    if (k == "start_to_first_request_ms") return "<= 0.1"
    return ""
  }
  END {
    printf "   %-8s %-28s %12s %12s %8s %8s\n", "members", "metric", "etcd", "shadekv", "ratio", "target"
    cmd = "sort"
    for (k in keys) {
      split(k, p, "\t"); e = mean("etcd", k); s = mean("shadekv", k)
      r = (e != "" && s != "" && e > 0) ? sprintf("%.2f", s / e) : "n/a"
      printf "   %-8s %-28s %12s %12s %8s %8s\n", p[1], p[2], (e == "" ? "n/a" : sprintf("%.2f", e)),
        (s == "" ? "n/a" : sprintf("%.2f", s)), r, target(p[1], p[2]) | cmd
    }
    close(cmd)
  }' "$RESULTS" | tee "$OUT_DIR/summary.txt"

# The p99-against-throughput plot from the rate sweep (1 member, means over rounds).
if [[ $PLOT == 1 ]] && grep -q 'sweep_' "$RESULTS"; then
  if ! command -v gnuplot >/dev/null; then
    echo "== installing gnuplot-nox (Debian) for the plot"
    sudo=""
    [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null && sudo=sudo
    if ! { $sudo apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null 2>&1 ||
      { $sudo apt-get update -qq >/dev/null 2>&1 &&
        $sudo apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null 2>&1; }; }; then
      echo "   could not install gnuplot-nox; no plot (apt-get install gnuplot-nox)" >&2
    fi
  fi
  if command -v gnuplot >/dev/null; then
    for server in etcd shadekv; do
      awk -F'\t' -v s="$server" '
        $1 == s && $2 == 1 && $4 ~ /^sweep_/ {
          split($4, p, "[_.]"); rate = p[2]
          if ($4 ~ /throughput$/) { t[rate] += $5; nt[rate]++ } else { q[rate] += $5; nq[rate]++ }
        }
        END { for (r in t) if (nq[r]) printf "%d %.3f %.3f\n", r, t[r] / nt[r], q[r] / nq[r] }' \
        "$RESULTS" | sort -n >"$OUT_DIR/sweep-$server.dat"
    done
    PNG="$OUT_DIR/p99_vs_throughput.png"
    gnuplot <<EOF
set terminal pngcairo size 900,560 noenhanced
set output "$PNG"
set title "put p99 latency against throughput, 1 member, $SWEEP_CONNS connections, $VAL_SIZE-byte values"
set xlabel "achieved throughput (puts/s)"
set ylabel "p99 latency (ms)"
set logscale y
set grid
set key top left
plot "$OUT_DIR/sweep-etcd.dat" using 2:3 with linespoints title "etcd 3.4", \
     "$OUT_DIR/sweep-shadekv.dat" using 2:3 with linespoints title "shadekv"
EOF
    echo "== plot: $PNG"
  fi
fi

if [[ -s $FAILURES ]]; then
  echo
  echo "== failed runs"
  sed 's/^/   /' "$FAILURES"
  exit 1
fi
