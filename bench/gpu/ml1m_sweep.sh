#!/usr/bin/env bash
# Runs on the lent GPU machine (bench/gpu/README.md), from the repo root with
# bench/gpu/stage carried: a speed check of one ML-1M 5-core run alone, then
# the runs of bench/gpu/ml1m_runs.txt side by side on the one GPU. Logs, test
# metrics and a summary go to $OUT/ml1m-gpu.tar.gz; the summary also to stdout.
#   bash bench/gpu/ml1m_sweep.sh [seconds per run, default 420]
# RUNS names another runs file; DATA, DEVICE and EPOCHS override the dataset, cuda and 200 for a dry run.
set -uo pipefail
limit=${1:-420}
stage=bench/gpu/stage
out=${OUT:-/tmp/nba-gpu-out}/ml1m
mkdir -p "$out"
torch_lib=$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))') || exit 1
export LD_LIBRARY_PATH="$torch_lib:$PWD/$stage/lib"
echo "$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader), $(nproc) cores" |
  tee "$out/machine.txt"
"$stage/nba" --help > /dev/null || exit 1

# The recipe of bench/accuracy/run.sh for ML-1M 5-core, on the GPU; each
# line of ml1m_runs.txt adds its own flags (size, blocks, dropout, seed ...).
common=(train --data "${DATA:-$stage/ML-1M.tsv.gz}" --min-item-events 5 --max-len 200 --heads 1
  --attn-output-dropout false --batching random --init normal_xavier_qkv --adam-beta2 0.999
  --loss ce --eval-every 1 --patience 10 --no-register --quiet
  --device "${DEVICE:-cuda}" --threads 1 --torch-threads 1)

run() {  # name, flags... (EPOCHS: the epoch limit, default 200)
  local name=$1; shift
  timeout "$limit" "$stage/nba" "${common[@]}" --epochs "${EPOCHS:-200}" "$@" --metrics-json "$out/$name.json" \
    > "$out/$name.out" 2> "$out/$name.log"
  echo "$name rc=$? $*" >> "$out/runs.txt"
}

# Speed check: the recipe at the reference size (hidden 64) alone for 5 epochs.
EPOCHS=${EPOCHS:-5} run speed-h64-alone --hidden 64 --ffn-dim 64 --blocks 2 --dropout 0.1 --seed 42 \
  --layout original --batch-size 128 --lr 1e-3
while read -r name flags; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  # shellcheck disable=SC2086
  run "$name" $flags &
done < "${RUNS:-bench/gpu/ml1m_runs.txt}"
# How busy the GPU is with every run going (once, a minute in).
(sleep 60; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader > "$out/gpu-load.txt" 2>&1) &
wait

{
  echo "run | best epoch | valid NDCG@10 | test NDCG@10 | test HR@10 | s/epoch | s to best"
  for f in "$out"/*.json; do
    python3 - "$f" <<'PY'
import json, os, sys
m = json.load(open(sys.argv[1]))["metrics"]
t, full = m["train"], m["test"]["full"]
print(f'{os.path.basename(sys.argv[1])[:-5]} | {t["best_epoch"]} of {t["epochs"]} | {m["valid_ndcg@10"]:.4f} | '
      f'{full["ndcg@10"]:.4f} | {full["hr@10"]:.4f} | {t["seconds_per_epoch"]:.2f} | {t["seconds_to_best"]:.0f}')
PY
  done
  for f in "$out"/*.log; do echo "== $(basename "$f")"; tail -2 "$f"; done
  cat "$out/runs.txt" "$out/gpu-load.txt"
} | tee "$out/summary.txt"
tar -czf "${OUT:-/tmp/nba-gpu-out}/ml1m-gpu.tar.gz" -C "$(dirname "$out")" ml1m
