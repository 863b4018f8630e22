#!/usr/bin/env bash
# The main job: installs missing packages, builds shadekv (Release) into
# build/, and starts an agent. With no arguments it is a single-member
# cluster on http://127.0.0.1:2379 (clients) and tcp://127.0.0.1:2380 (peers)
# with data in ./default.shadekv, like etcd. Arguments are passed to shadekv
# (see build/bin/shadekv --help). Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target shadekv shadectl
exec build/bin/shadekv "$@"
