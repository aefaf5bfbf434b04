#!/usr/bin/env bash
# Installs exactly the Debian 12 packages that mercato's build, tests, benchmarks and demo need.
# Idempotent: does nothing when everything is present. Uses sudo when not run as root.
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build make pkg-config ccache clang-format clang-tidy
  # libraries (docs/architecture.md, "Modules and layers")
  libboost1.81-dev libboost-json1.81-dev librocksdb-dev zlib1g-dev libssl-dev libcli11-dev
  # cluster mode on Kafka (src/stream/); its mock cluster hosts the tests' Kafka
  librdkafka-dev
  # the SMTP channel (src/channel/smtp_sender.cc)
  libcurl4-openssl-dev
  # IANA time zones of customers (src/core/time_zone.cc reads /usr/share/zoneinfo)
  tzdata
  # gradient-boosted trees of the churn model (src/analytics/customer/churn_model.cc)
  libxgboost-dev
  # maximum-likelihood fits of the CLV models (src/analytics/clv/)
  libnlopt-dev
  # KD-tree radius searches of DBSCAN (src/analytics/clustering/dbscan.cc), header only
  libnanoflann-dev
  # the GRU4Rec trainer plugin (src/recommend/neural/), the only code that links libtorch
  libtorch-dev
  # tests and benchmarks; python3-sklearn is the clustering comparator (tests/tools/, bench/)
  libgtest-dev libgmock-dev libbenchmark-dev python3 curl python3-sklearn
  # the SMTP receiver the e-mail tests deliver to (tests/tools/smtp_receiver.py)
  python3-aiosmtpd
  # the real Prometheus server and promtool the metrics test scrapes and lints with
  prometheus
  # YAML for the deploy/ manifest check (tests/tools/check_deploy.py)
  python3-yaml
  # the browser the dashboard's end-to-end tests drive headless (tests/e2e/dashboard.test.mjs)
  chromium
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
# python3-sklearn needs python3-scipy, which depends on python3-pythran, which needs libboost-dev
# (1.74) and so conflicts with libboost1.81-dev. scipy never imports pythran at run time: a local
# stub package providing python3-pythran stands in for it.
pythran=$(dpkg-query -W -f='${Status}\n' python3-pythran mercato-pythran-stub 2>/dev/null || true)
if [[ " ${missing[*]} " == *" python3-sklearn "* && "$pythran" != *"install ok installed"* ]]; then
  stub=$(mktemp -d)
  mkdir -p "$stub/pkg/DEBIAN"
  printf '%s\n' 'Package: mercato-pythran-stub' 'Version: 1.0' 'Architecture: all' \
    'Maintainer: mercato <dev@mercato.invalid>' 'Provides: python3-pythran' \
    'Conflicts: python3-pythran' \
    'Description: stands in for python3-pythran, unused by python3-scipy at run time' \
    ' python3-pythran needs libboost-dev 1.74, which conflicts with libboost1.81-dev.' \
    >"$stub/pkg/DEBIAN/control"
  dpkg-deb --build "$stub/pkg" "$stub/stub.deb" >/dev/null
  $SUDO dpkg -i "$stub/stub.deb"
  rm -rf "$stub"
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
