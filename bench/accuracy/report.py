#!/usr/bin/env python3
"""Turns the metrics JSON of `nba train --metrics-json` runs into
bench/results/accuracy.md (a table beside the published anchors) and
accuracy.json.  Usage: report.py OUT_DIR RESULTS_DIR"""
import datetime
import json
import os
import platform
import subprocess
import sys

# Published numbers, full ranking with seen items excluded unless noted.
ANCHORS = {
    "Beauty": "SASRec as reported 0.0318 / 0.0605; SASRec + sampled softmax 0.0531 / 0.0921; BSARec 0.0611 / 0.1008",
    "ML-1M-5core": "SASRec (BCE) 0.134; SASRec + full CE 0.1821 / 0.3152; HSTU-large 0.1893 / 0.3294",
    "Video": "SASRec paper, 100 sampled negatives: 0.5360 / 0.7410",
}
TARGETS = {
    "Beauty": "full NDCG@10 >= 0.052, HR@10 >= 0.09",
    "ML-1M-5core": "full NDCG@10 >= 0.175",
    "Video": "sampled-100 NDCG@10 >= 0.53",
}


def pick(metrics):
    return {"ndcg@10": round(metrics["ndcg@10"], 4), "hr@10": round(metrics["hr@10"], 4)}


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal"))) // (1024 * 1024)
    return f"{os.cpu_count()} cores ({cpu}), {mem} GiB, {platform.system()} {platform.release()}"


def main(out_dir, results_dir):
    # <dataset>.json is the reported run; <dataset>-<variant>.json are extra
    # runs shown in the table only (e.g. Beauty-from_end).
    results, extra, rows, seen = {}, {}, [], set()
    stems = sorted(f[:-5] for f in os.listdir(out_dir) if f.endswith(".json"))
    for name in stems:
        dataset = next((d for d in TARGETS if name == d or name.startswith(d + "-")), None)
        if dataset is None:
            continue
        seen.add(dataset)
        path = os.path.join(out_dir, name + ".json")
        run = json.load(open(path))
        m, model = run["metrics"], run["model"]
        train = m["train"]
        cmd_path = os.path.join(out_dir, name + ".cmd")
        command = open(cmd_path).read().strip() if os.path.exists(cmd_path) else "?"
        # <name>.machine: a run made elsewhere (the lent GPU machine).
        machine_path = os.path.join(out_dir, name + ".machine")
        ran_on = open(machine_path).read().strip() if os.path.exists(machine_path) else "this machine"
        entry = {
            "full": pick(m["test"]["full"]),
            "sampled100": pick(m["test"]["sampled"]),
            "popularity_full": pick(m["popularity"]["full"]),
            "popularity_sampled100": pick(m["popularity"]["sampled"]),
            "train_seconds": round(train["seconds"], 1),
            "seconds_to_best": round(train["seconds_to_best"], 1),
            "seconds_per_epoch": round(train["seconds_per_epoch"], 2),
            "epochs": train["epochs"],
            "best_epoch": train["best_epoch"],
            "peak_rss_mib": round(train["peak_rss_mib"]),
            "dataset": m["dataset"],
            "config": {"model": model, "train": train["config"]},
            "command": command,
            "ran_on": ran_on,
        }
        refit = train.get("refit")
        if refit:
            entry["refit"] = {"epochs": refit["epochs"], "seconds": round(refit["seconds"], 1),
                              "full_before": pick(refit["test_before"]["full"]),
                              "popularity_full_before": pick(refit["popularity_before"]["full"])}
        (results if name == dataset else extra)[name] = entry
        r = entry
        before = "no refit"
        if refit:
            done = entry["refit"]
            before = (f"{done['full_before']['ndcg@10']:.4f} / {done['full_before']['hr@10']:.4f}; "
                      f"refit {done['seconds']:.0f} s")
        rows.append(f"| {name} | {r['full']['ndcg@10']:.4f} / {r['full']['hr@10']:.4f} | {before} "
                    f"| {r['sampled100']['ndcg@10']:.4f} / {r['sampled100']['hr@10']:.4f} "
                    f"| {r['popularity_full']['ndcg@10']:.4f} / {r['popularity_full']['hr@10']:.4f} "
                    f"| {r['seconds_per_epoch']} | {r['best_epoch']} of {r['epochs']} "
                    f"| {r['seconds_to_best']:.0f} | {r['peak_rss_mib']} | {ran_on} | {TARGETS[dataset]} |")
    if not rows:
        sys.exit("report: no <dataset>[-variant].json in " + out_dir)
    os.makedirs(results_dir, exist_ok=True)
    json.dump(results, open(os.path.join(results_dir, "accuracy.json"), "w"), indent=2)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    lines = [
        "# Accuracy: SASRec on public datasets",
        "",
        f"- machine: {machine()}, no GPU, unless the row's `ran on` names another (bench/gpu/)",
        f"- date: {datetime.date.today().isoformat()}; commit {commit}",
        "- protocol: leave-one-out (last event test, second-to-last validation); full ranking over all items "
        "with the user's history excluded; sampled = the SASRec paper's 100 uniform negatives the user never had. "
        "Test split evaluated after training chose its weights, at the best validation NDCG@10. "
        "Runs with `--refit` then train a fresh model on training + validation events for the best epoch "
        "count and report it; the early-stopped model's test numbers stand beside it (published tables "
        "train on training events only, so compare those with the early-stopped column).",
        "",
        "| dataset | full NDCG@10 / HR@10 | early-stopped full NDCG@10 / HR@10 (before refit) "
        "| sampled-100 NDCG@10 / HR@10 | popularity full NDCG@10 / HR@10 "
        "| s/epoch | best epoch | s to best | peak RSS MiB | ran on | target |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        *[f"Not measured: {d} (no finished run in {out_dir})." for d in TARGETS if d not in seen],
        "",
        "Published anchors (NDCG@10 / HR@10):",
        "",
        *[f"- {k}: {v}" for k, v in ANCHORS.items() if k in seen],
        "",
        "Commands:",
        "",
        *[f"- {k}: `{v['command']}`" for k, v in {**results, **extra}.items()],
        "",
    ]
    # Observations about the runs, kept by hand beside this script.
    notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "notes.md")
    if os.path.exists(notes):
        lines += [open(notes).read().rstrip(), ""]
    open(os.path.join(results_dir, "accuracy.md"), "w").write("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
