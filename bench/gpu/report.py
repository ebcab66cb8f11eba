#!/usr/bin/env python3
"""Turns the output folders of bench/gpu/ml1m_sweep.sh into
bench/results/gpu-ml1m.md (every run, and the mean test NDCG@10 of each
setting over its seeds) and gpu-ml1m.json.
Usage: report.py RESULTS_DIR SWEEP_DIR [SWEEP_DIR ...]"""
import collections
import datetime
import json
import os
import re
import subprocess
import sys
from statistics import mean


def runs_of(sweep_dir):
    """(name, flags) of each finished run, from the runs.txt the sweep writes."""
    for line in open(os.path.join(sweep_dir, "runs.txt")):
        name, rc, flags = line.rstrip("\n").split(" ", 2)
        yield name, rc, flags


# Flags every run has unless it says otherwise (sweep1 had them in the
# sweep's common flags, sweep2 on each line); left out of the table.
RECIPE_FLAGS = re.compile(r" --(layout original|batch-size 128|lr 1e-3)(?= |$)")


def main(results_dir, sweep_dirs):
    rows, runs = [], {}
    by_setting = collections.defaultdict(list)
    machines, alone = set(), []
    for sweep_dir in sweep_dirs:
        sweep = os.path.basename(os.path.normpath(sweep_dir))
        machines.add(open(os.path.join(sweep_dir, "machine.txt")).read().strip())
        for name, rc, flags in sorted(runs_of(sweep_dir)):
            flags = RECIPE_FLAGS.sub("", flags)
            path = os.path.join(sweep_dir, name + ".json")
            if rc != "rc=0" or not os.path.exists(path):
                rows.append(f"| {sweep} | {name} | `{flags}` | did not finish ({rc}) | | | | | |")
                continue
            m = json.load(open(path))["metrics"]
            t, full = m["train"], m["test"]["full"]
            run = {"sweep": sweep, "flags": flags, "valid_ndcg@10": round(m["valid_ndcg@10"], 4),
                   "full": {"ndcg@10": round(full["ndcg@10"], 4), "hr@10": round(full["hr@10"], 4)},
                   "sampled100_ndcg@10": round(m["test"]["sampled"]["ndcg@10"], 4),
                   "best_epoch": t["best_epoch"], "epochs": t["epochs"],
                   "seconds_per_epoch": round(t["seconds_per_epoch"], 2),
                   "seconds_to_best": round(t["seconds_to_best"], 1), "peak_rss_mib": round(t["peak_rss_mib"])}
            runs[f"{sweep}/{name}"] = run
            if name.startswith("speed-"):
                alone.append(f"{run['seconds_per_epoch']} s/epoch ({sweep})")
                continue
            by_setting[re.sub(r" --seed \d+", "", flags)].append((name, run["full"]["ndcg@10"]))
            rows.append(f"| {sweep} | {name} | `{flags}` | {run['best_epoch']} of {run['epochs']} "
                        f"| {run['valid_ndcg@10']:.4f} | {run['full']['ndcg@10']:.4f} / {run['full']['hr@10']:.4f} "
                        f"| {run['sampled100_ndcg@10']:.4f} | {run['seconds_per_epoch']} | {run['seconds_to_best']:.0f} |")
    settings = sorted(by_setting.items(), key=lambda kv: -mean(v for _, v in kv[1]))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    lines = [
        "# ML-1M 5-core on a GPU: settings swept with nba's own trainer",
        "",
        f"- machine: the lent GPU machine, {'; '.join(sorted(machines))}; nba built against PyTorch 2.11.0+cu130's "
        "libtorch (`bench/gpu/build.sh`), `--device cuda`",
        f"- date: {datetime.date.today().isoformat()}; commit {commit}",
        "- command: `bash bench/gpu/ml1m_sweep.sh` (sweep1: `bench/gpu/ml1m_runs.txt`, 12 runs side by side; "
        "sweep2: `RUNS=bench/gpu/ml1m_runs2.txt`, 8 runs side by side), each run "
        "`nba train --data ML-1M.tsv.gz --min-item-events 5 --max-len 200 --heads 1 --attn-output-dropout false "
        "--batching random --init normal_xavier_qkv --adam-beta2 0.999 --loss ce --eval-every 1 --patience 10 "
        "--epochs 200 --layout original --batch-size 128 --lr 1e-3 --device cuda`, with the flags below added "
        "or replacing those",
        "- protocol: as bench/results/accuracy.md (leave-one-out, full ranking with seen items excluded, test "
        "looked at once, at the best validation NDCG@10)",
        "- s/epoch is training time with every run of the sweep sharing the one GPU (100% busy); "
        f"the hidden-64 recipe alone for 5 epochs: {', '.join(alone)}",
        "",
        "| sweep | run | flags | best epoch | valid NDCG@10 | test NDCG@10 / HR@10 | sampled-100 NDCG@10 "
        "| s/epoch (shared) | s to best |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Mean test NDCG@10 of each setting over its seeds:",
        "",
        "| setting | runs | mean test NDCG@10 |",
        "|---|---|---|",
        *[f"| `{s}` | {', '.join(f'{n} {v:.4f}' for n, v in r)} | {mean(v for _, v in r):.4f} |" for s, r in settings],
        "",
    ]
    os.makedirs(results_dir, exist_ok=True)
    open(os.path.join(results_dir, "gpu-ml1m.md"), "w").write("\n".join(lines))
    json.dump(runs, open(os.path.join(results_dir, "gpu-ml1m.json"), "w"), indent=2)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
