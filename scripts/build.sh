#!/usr/bin/env bash
# Configures and builds the project into build/ (Release). Extra arguments are
# ninja targets; none builds everything. Quiet unless something fails.
set -euo pipefail
cd "$(dirname "$0")/.."
log=build/configure.log
mkdir -p build
if [[ ! -f build/build.ninja ]]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
fi
cmake --build build -- -j"$(nproc)" "$@" >build/build.log 2>&1 || { tail -n 60 build/build.log >&2; exit 1; }
