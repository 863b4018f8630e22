#!/usr/bin/env bash
# The README's 3-agent walk-through as a script: starts the example cluster,
# writes and reads through different members, stops it. Its output is checked
# by CI against walkthrough.expected, so the example never rots.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${SHADEKV_BIN_DIR:-$here/../../build/bin}"
export SHADEKV_BIN_DIR="$bin"
export SHADEKV_EXAMPLE_DATA="${SHADEKV_EXAMPLE_DATA:-$(mktemp -d)}"
trap '"$here/cluster.sh" stop >/dev/null; rm -rf "$SHADEKV_EXAMPLE_DATA"' EXIT

"$here/cluster.sh" start >/dev/null
export ETCDCTL_ENDPOINTS=http://127.0.0.1:12379,http://127.0.0.1:22379,http://127.0.0.1:32379
ctl="$bin/shadectl"
# Slow (sanitized) builds may need a moment longer than the default timeout.
ctl_flags=(--command-timeout 15s)

echo "\$ shadectl put /config/edge-7/mode fast"
"$ctl" "${ctl_flags[@]}" put /config/edge-7/mode fast
echo "\$ shadectl put /config/edge-7/region eu-west"
"$ctl" "${ctl_flags[@]}" put /config/edge-7/region eu-west
echo "\$ shadectl get /config --prefix"
"$ctl" "${ctl_flags[@]}" get /config --prefix
echo "\$ shadectl --endpoints http://127.0.0.1:32379 get /config/edge-7/mode --print-value-only"
"$ctl" "${ctl_flags[@]}" --endpoints http://127.0.0.1:32379 get /config/edge-7/mode --print-value-only
echo "\$ shadectl del /config --prefix"
"$ctl" "${ctl_flags[@]}" del /config --prefix
echo "\$ shadectl member list | wc -l"
"$ctl" "${ctl_flags[@]}" member list | wc -l | tr -d ' '
