#!/usr/bin/env bash
# The main job on a fresh machine: install, build, then `nba demo` (synthetic
# shop, a quick model, the engine with its demo page). No external service.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh nba
exec build/nba demo "$@"
