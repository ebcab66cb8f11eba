#!/usr/bin/env bash
# Accuracy benchmark: trains and evaluates SASRec on the public datasets of
# ../shared/datasets (Beauty, Video, ML-1M with items of < 5 events removed),
# then writes bench/results/accuracy.md and accuracy.json.
#   bash bench/accuracy/run.sh [Beauty|Video|ML-1M-5core ...]   (default: all)
# Each run trains until early stopping; runs resume from their checkpoint
# when interrupted (OUT/<name>-ckpt). Beauty then refits on training +
# validation events (--refit, see docs/model-card.md). ML-1M follows the
# recipe behind its published anchor, down to its random batches, init and
# attention dropout, at the size and dropout the GPU sweep chose on
# validation (bench/results/gpu-ml1m.md): 4 s per epoch on an H100 shared
# by 8 runs with NBA_DEVICE=cuda and a CUDA build (bench/gpu/README.md),
# 241 s per epoch alone on 2 cores (about 40 epochs to early stopping). NBA_THREADS=2 splits the loss over two cores, NBA_TORCH_THREADS=2
# the rest of a step (worth 10% on ML-1M, nothing on Beauty).
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${NBA_DATASETS:-../shared/datasets}
out=${NBA_BENCH_OUT:-bench/accuracy/out}
nba=${NBA_BINARY:-build/nba}
[[ -d "$data" ]] || { echo "accuracy: no datasets at $data (set NBA_DATASETS)" >&2; exit 1; }
mkdir -p "$out"

common=(--loss ce --batch-size 128 --lr 1e-3 --eval-every 1 --patience 10
        --threads "${NBA_THREADS:-1}" --torch-threads "${NBA_TORCH_THREADS:-1}" --device "${NBA_DEVICE:-cpu}"
        --no-register --quiet)
declare -A args=(
  [Beauty]="--data $data/Beauty.tsv.gz --max-len 50 --hidden 128 --ffn-dim 256 --heads 2 --dropout 0.5 --activation gelu --blocks 2 --epochs 200 --refit"
  [Video]="--data $data/Video.tsv.gz --max-len 50 --hidden 128 --ffn-dim 128 --heads 2 --dropout 0.5 --blocks 2 --epochs 200"
  [ML-1M-5core]="--data $data/ML-1M.tsv.gz --min-item-events 5 --max-len 200 --hidden 256 --ffn-dim 256 --heads 1 --blocks 3 --dropout 0.3 --layout original --attn-output-dropout false --batching random --init normal_xavier_qkv --adam-beta2 0.999 --epochs 200"
)
names=("$@")
[[ ${#names[@]} -gt 0 ]] || names=(Beauty Video ML-1M-5core)
for name in "${names[@]}"; do
  [[ -n "${args[$name]:-}" ]] || { echo "accuracy: unknown dataset $name" >&2; exit 1; }
  resume=()
  [[ -f "$out/$name-ckpt/state.json" ]] && resume=(--resume)
  # shellcheck disable=SC2086
  cmd=("$nba" train ${args[$name]} "${common[@]}" --checkpoint-dir "$out/$name-ckpt"
       --metrics-json "$out/$name.json" "${resume[@]}")
  echo "${cmd[*]}" > "$out/$name.cmd"
  echo "accuracy: $name ..." >&2
  "${cmd[@]}" > "$out/$name.out" 2> "$out/$name.log"
done
python3 bench/accuracy/report.py "$out" bench/results
