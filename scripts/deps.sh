#!/usr/bin/env bash
# Installs the Debian packages shadekv needs to build, test and run, skipping
# the ones already present. Used by scripts/run.sh and scripts/test.sh, so a
# fresh Debian machine needs nothing else. Safe to run again at any time.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config clang-format
  libleveldb-dev libsnappy-dev libzmq3-dev cppzmq-dev libmsgpack-cxx-dev libpoco-dev libsodium-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  openssl  # the TLS tests make their certificates with the openssl CLI
  etcd-server etcd-client  # the reference implementation the compatibility tests compare against
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "shadekv: installing missing Debian packages: ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "shadekv: need root (or sudo) to install: ${missing[*]}" >&2
    echo "         run: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
