#!/usr/bin/env bash
# Installs every Debian package the engine and its tests need. Idempotent and
# quiet: packages already present are skipped, apt's chatter goes to a log.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config git ca-certificates
  libtorch-dev libopenblas0-pthread libopenblas-pthread-dev
  libboost1.81-dev
  libsimdjson-dev nlohmann-json3-dev
  librdkafka-dev libhiredis-dev
  libspdlog-dev libfmt-dev libcli11-dev libyaml-cpp-dev
  libssl-dev libjwt-dev libzstd-dev libxxhash-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  zlib1g-dev wrk curl python3
)
# What the tests' real services need; only with --with-services: the
# browser (end-to-end tests), Redis, nginx, and Java + Maven for the Kafka
# broker (its jars come from Maven Central: scripts/services/kafka.sh).
service_packages=(chromium redis-server redis-tools nginx openjdk-17-jre-headless maven zstd)

want=("${packages[@]}")
if [[ "${1:-}" == "--with-services" ]]; then want+=("${service_packages[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  log=$(mktemp /tmp/nba-setup.XXXXXX.log)
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    echo "setup: apt-get failed; see $log" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
fi
if [[ "${1:-}" == "--with-services" ]]; then
  bash "$(dirname "$0")/services/kafka.sh" fetch
fi
