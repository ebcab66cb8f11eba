#!/usr/bin/env bash
# Serving benchmark of `nba serve` (issue 3, section 10): wrk on loopback
# against a Beauty-sized model (12k items, max length 50) and 100k users.
#
#   bash bench/serve/run.sh
#
# Steps: train (or reuse) a 1-epoch model; start the server on a free port
# with a fresh data dir; load the catalogue and 100k users' histories (RSS
# before/after gives bytes per user); then five wrk runs, each after a
# warm-up: ingest in batches of 100, single-event ingest, recommendations from
# the cache, through the model (cache off) and from the fallback (model off).
# Writes bench/results/serve.json and serve.md; logs stay in $NBA_BENCH_WORK.
#
# Environment: NBA (binary, default build/nba), NBA_BENCH_WORK
# (/tmp/nba-bench-serve), NBA_BENCH_DURATION (15 s per run), NBA_BENCH_WARMUP
# (5 s), NBA_BENCH_USERS (100000), NBA_BENCH_RESULTS (bench/results),
# NBA_BENCH_NOTE (a line for serve.md, e.g. why the numbers are provisional).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
NBA=${NBA:-$ROOT/build/nba}
WORK=${NBA_BENCH_WORK:-/tmp/nba-bench-serve}
DURATION=${NBA_BENCH_DURATION:-15}
WARMUP=${NBA_BENCH_WARMUP:-5}
USERS=${NBA_BENCH_USERS:-100000}
RESULTS=${NBA_BENCH_RESULTS:-$ROOT/bench/results}
CONNECTIONS=64
WRK_THREADS=2
CACHED_USERS=1000
DATASETS=$(realpath -m "${NBA_SHARED_DATASETS:-$ROOT/../shared/datasets}")

OUT=$WORK/out
LOGS=$WORK/logs
SERVER_PID=""
START_S=$(date +%s)

say() { printf '[%3ds] %s\n' $(($(date +%s) - START_S)) "$*"; }
die() { say "FAILED: $*"; exit 1; }

stop_server() {
  [[ -n "$SERVER_PID" ]] || return 0
  if kill -TERM "$SERVER_PID" 2>/dev/null; then
    for _ in $(seq 60); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
trap stop_server EXIT
trap 'exit 130' INT TERM

[[ -x "$NBA" ]] || die "no nba binary at $NBA (set NBA=...)"
command -v wrk >/dev/null || die "wrk is not installed"
mkdir -p "$WORK"
rm -rf "$OUT" "$LOGS" "$WORK/data"
mkdir -p "$OUT" "$LOGS"
cp /proc/loadavg "$OUT/loadavg_start"

# --- model: Beauty when the shared datasets are there, else a synthetic shop
# of the same size. Reused across runs: the inputs and the seed are fixed.
if [[ -f "$DATASETS/Beauty.tsv.gz" ]]; then
  DATA=$DATASETS/Beauty.tsv.gz
  DATA_NAME="Beauty.tsv.gz (shared datasets)"
  MODEL_DIR=$WORK/model-beauty
else
  DATA=$WORK/shop/events.tsv
  DATA_NAME="synthetic shop (nba generate --items 12000 --users 20000)"
  MODEL_DIR=$WORK/model-synthetic
fi
TRAIN_CMD="nba train --data $DATA --epochs 1 --max-len 50 --hidden 64 --ffn-dim 64 --max-valid-cases 1000 --quiet --registry $MODEL_DIR/registry --promote"
if [[ ! -f "$MODEL_DIR/done" ]]; then
  rm -rf "$MODEL_DIR"
  if [[ "$DATA" == "$WORK/shop/events.tsv" && ! -f "$DATA" ]]; then
    say "generating a synthetic shop of 12,000 items"
    "$NBA" generate --items 12000 --users 20000 --out "$WORK/shop" >"$LOGS/generate.log" 2>&1 ||
      die "nba generate (see $LOGS/generate.log)"
  fi
  say "training a 1-epoch model on $DATA_NAME (once; reused by later runs)"
  timeout 300 "$NBA" ${TRAIN_CMD#nba } >"$LOGS/train.log" 2>&1 || die "nba train (see $LOGS/train.log)"
  touch "$MODEL_DIR/done"
fi
REGISTRY=$MODEL_DIR/registry
ITEMS=$REGISTRY/versions/$(tr -d '[:space:]' <"$REGISTRY/production")/items.txt
[[ -f "$ITEMS" ]] || die "no items.txt for the production model in $REGISTRY"

# --- server: one key with every scope; access log off, no periodic snapshot
# (it would land inside a measurement), everything else at its default.
KEY="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
KEY_SHA=$(printf '%s' "$KEY" | sha256sum | cut -d' ' -f1)
cat >"$WORK/serve.yaml" <<EOF
server:
  address: 127.0.0.1
  port: 0
  access_log: "off"
data_dir: $WORK/data
serving:
  registry_dir: $REGISTRY
  feature_max_events: 50
  snapshot_interval_s: 0
auth:
  api_keys:
    - {name: bench, sha256: $KEY_SHA, scopes: [ingest, recommend, admin]}
EOF
SERVE_CMD="nba serve --config $WORK/serve.yaml"
say "starting nba serve"
"$NBA" serve --config "$WORK/serve.yaml" 2>"$LOGS/server.log" &
SERVER_PID=$!
PORT=""
for _ in $(seq 120); do
  PORT=$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$LOGS/server.log" | head -1)
  [[ -n "$PORT" ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited (see $LOGS/server.log)"
  sleep 0.5
done
[[ -n "$PORT" ]] || die "the server did not start listening (see $LOGS/server.log)"
URL=http://127.0.0.1:$PORT
curl -sf "$URL/readyz" >/dev/null || die "not ready: $(curl -s "$URL/readyz")"

export NBA_BENCH_KEY=$KEY NBA_BENCH_LUA=$HERE
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status"; }
flags() {
  curl -sf -X PUT -H "X-API-Key: $KEY" -H 'Content-Type: application/json' -d "$1" "$URL/v1/admin/flags" \
    >"$LOGS/flags.log" || die "PUT /v1/admin/flags $1"
}

# --- data: the whole vocabulary as live items, then the users' histories.
say "loading the catalogue ($(wc -l <"$ITEMS") items)"
timeout 120 python3 "$HERE/load.py" catalog "$URL" "$KEY" "$ITEMS" >"$OUT/catalog.json" 2>"$LOGS/load.log" ||
  die "catalogue load (see $LOGS/load.log)"
rss_kib >"$OUT/rss_before_users"
say "loading $USERS users' histories (POST /v1/events, batches of ~100)"
timeout 240 python3 "$HERE/load.py" users "$URL" "$KEY" "$ITEMS" "$USERS" >"$OUT/users.json" 2>>"$LOGS/load.log" ||
  die "user load (see $LOGS/load.log)"
rss_kib >"$OUT/rss_after_users"

# One measurement: a warm-up run, then the measured run between two /metrics
# scrapes. $1 name, $2 script, then the script's arguments.
measure() {
  local name=$1 script=$2
  shift 2
  local args=(-t"$WRK_THREADS" -c"$CONNECTIONS" --timeout 2s --latency -s "$HERE/$script" "$URL" -- "$@")
  say "$name: warm-up ${WARMUP}s, measuring ${DURATION}s"
  timeout $((WARMUP + 30)) wrk -d"${WARMUP}s" "${args[@]}" >"$LOGS/$name.warmup.log" 2>&1 ||
    die "$name warm-up (see $LOGS/$name.warmup.log)"
  curl -sf "$URL/metrics" >"$OUT/$name.metrics.before"
  timeout $((DURATION + 30)) wrk -d"${DURATION}s" "${args[@]}" >"$OUT/$name.wrk" 2>&1 || die "$name (see $OUT/$name.wrk)"
  curl -sf "$URL/metrics" >"$OUT/$name.metrics.after"
  echo "wrk -d${DURATION}s ${args[*]}" | sed "s|$HERE/|bench/serve/|; s|$URL|http://127.0.0.1:PORT|; s|$WORK|\$WORK|g" \
    >"$OUT/$name.cmd"
}

measure ingest_batch100 ingest.lua 100 "$USERS" "$ITEMS"
measure ingest_single ingest.lua 1 "$USERS" "$ITEMS"
flags '{"cache_enabled": true, "model_enabled": true}'
measure recommend_cached recommend.lua cycle "$CACHED_USERS"
flags '{"cache_enabled": false, "model_enabled": true}'
measure recommend_model recommend.lua random "$USERS"
flags '{"cache_enabled": false, "model_enabled": false}'
measure recommend_fallback recommend.lua random "$USERS"

stop_server
rm -rf "$WORK/data"  # hundreds of MB of event log; the logs and raw results stay
say "writing $RESULTS/serve.json and serve.md"
mkdir -p "$RESULTS"
python3 "$HERE/report.py" --out "$OUT" --results "$RESULTS" --users "$USERS" --cached-users "$CACHED_USERS" \
  --duration "$DURATION" --warmup "$WARMUP" --connections "$CONNECTIONS" --wrk-threads "$WRK_THREADS" \
  --data "$DATA_NAME" --model-config "$(dirname "$ITEMS")/config.json" --items "$ITEMS" \
  --train-cmd "${TRAIN_CMD//$WORK/\$WORK}" --serve-cmd "${SERVE_CMD//$WORK/\$WORK}" --config "$WORK/serve.yaml" \
  --note "${NBA_BENCH_NOTE:-}"
say "done"
