#!/usr/bin/env bash
# Installs exactly the Debian 12 packages that mercato's build, tests, benchmarks and demo need.
# Idempotent: does nothing when everything is present. Uses sudo when not run as root.
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build make pkg-config ccache clang-format clang-tidy
  # libraries (docs/architecture.md, "Dependencies")
  libboost1.81-dev libboost-json1.81-dev librocksdb-dev zlib1g-dev libssl-dev libcli11-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev python3 curl
  # fuzz targets (docs/fuzzing.md): clang 14 and its libFuzzer runtime (libclang_rt.fuzzer)
  clang-14 libclang-rt-14-dev
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
# Node.js with npm runs the Segment SDK end-to-end test; any installed node >= 18 will do.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all dependencies present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
