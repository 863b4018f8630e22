#!/usr/bin/env bash
# Starts or stops a local 3-agent shadekv cluster on 127.0.0.1.
#
#   examples/cluster/cluster.sh start   # agents a, b, c; data in examples/cluster/data
#   examples/cluster/cluster.sh status  # shadectl endpoint status across the cluster
#   examples/cluster/cluster.sh stop    # SIGTERM to the agents this script started
#
# Clients: http://127.0.0.1:12379, :22379, :32379. Peers: tcp://127.0.0.1:12380, ...
# Uses build/bin/shadekv and build/bin/shadectl (scripts/run.sh or cmake builds them).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${SHADEKV_BIN_DIR:-$root/build/bin}"
data="${SHADEKV_EXAMPLE_DATA:-$here/data}"
token="example-cluster"
cluster="a=tcp://127.0.0.1:12380,b=tcp://127.0.0.1:22380,c=tcp://127.0.0.1:32380"
endpoints="http://127.0.0.1:12379,http://127.0.0.1:22379,http://127.0.0.1:32379"

start() {
  [ -x "$bin/shadekv" ] || { echo "no $bin/shadekv: build first (scripts/run.sh --help)" >&2; exit 1; }
  mkdir -p "$data"
  for n in a:1 b:2 c:3; do
    name=${n%%:*} port=${n##*:}
    if [ -f "$data/$name.pid" ] && kill -0 "$(cat "$data/$name.pid")" 2>/dev/null; then
      echo "agent $name already running (pid $(cat "$data/$name.pid"))"
      continue
    fi
    "$bin/shadekv" --name "$name" --data-dir "$data/$name" \
      --listen-client-urls "http://127.0.0.1:${port}2379" \
      --listen-peer-urls "tcp://127.0.0.1:${port}2380" \
      --initial-advertise-peer-urls "tcp://127.0.0.1:${port}2380" \
      --initial-cluster "$cluster" --initial-cluster-token "$token" \
      >"$data/$name.log" 2>&1 &
    echo $! >"$data/$name.pid"
    echo "started agent $name (pid $!), log in $data/$name.log"
  done
  # Wait (bounded) until the cluster has a leader and answers a linearizable read.
  for _ in $(seq 1 100); do
    if "$bin/shadectl" --endpoints "$endpoints" endpoint health >/dev/null 2>&1; then
      echo "cluster is healthy"
      return 0
    fi
    sleep 0.1
  done
  echo "cluster did not become healthy in 10 s; see the logs in $data" >&2
  exit 1
}

stop() {
  for name in a b c; do
    pidfile="$data/$name.pid"
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      echo "stopped agent $name (pid $pid)"
    fi
    rm -f "$pidfile"
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) "$bin/shadectl" --endpoints "$endpoints" -w table endpoint status ;;
  *) echo "usage: $0 start|status|stop" >&2; exit 2 ;;
esac
