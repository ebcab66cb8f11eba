#!/usr/bin/env bash
# Installs everything the tests need, builds, and runs every test: the C++
# suites (ctest) and the browser SDK's unit and end-to-end tests when present.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-services
bash scripts/build.sh
ctest --test-dir build --output-on-failure --timeout 600
if [[ -x tests/e2e/run.sh ]]; then
  bash tests/e2e/run.sh "$PWD/build/nba"
fi
