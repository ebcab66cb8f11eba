#!/usr/bin/env bash
# Browser SDK unit tests and the demo shop's end-to-end tests in headless
# Chromium against a real `nba serve`.
#   tests/e2e/run.sh path/to/nba
# Installs what it needs (Debian's chromium, the npm packages from the
# lockfiles), builds the SDK, runs both suites, and ends with the line
# "N passed, N failed". Exit status 0 only when nothing failed.
set -uo pipefail

if [[ $# -ne 1 || ! -x "$1" ]]; then
  echo "usage: $0 path/to/nba (an executable nba binary)" >&2
  exit 2
fi
NBA_BINARY="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
export NBA_BINARY
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SDK="$HERE/../../sdk/js"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

if [[ ! -x "$CHROMIUM" ]]; then
  echo "installing chromium" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null || {
    echo "could not install chromium" >&2
    exit 2
  }
fi
(cd "$SDK" && npm ci --no-audit --no-fund --loglevel=error) >/dev/null || { echo "npm ci failed in sdk/js" >&2; exit 2; }
(cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error) >/dev/null || { echo "npm ci failed in tests/e2e" >&2; exit 2; }
# tsc only: the SDK tests then check that the committed web/sdk copy is this build.
(cd "$SDK" && npx tsc -p tsconfig.json) || { echo "SDK build failed" >&2; exit 2; }

passed=0
failed=0
# Runs one node --test suite in `dir` with the TAP reporter and adds up its
# counts. `files` is a pattern, expanded in `dir`.
suite() {
  local dir="$1" files="$2" out
  out="$(mktemp)"
  # shellcheck disable=SC2086
  (cd "$dir" && node --test --test-reporter=tap $files) 2>&1 | tee "$out"
  local p f
  p="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$out" | tail -1)"
  f="$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$out" | tail -1)"
  if [[ -z "$p" || -z "$f" ]]; then  # the runner itself failed
    p=0
    f=1
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  rm -f "$out"
}

suite "$SDK" "test/*.test.js"
suite "$HERE" "shop.test.mjs"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
