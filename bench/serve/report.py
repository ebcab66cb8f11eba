"""Turns the files run.sh left in --out into bench/results/serve.json and serve.md.

Reads <run>.wrk (the NBA_RESULT line of result.lua), <run>.cmd, the /metrics
scrapes around each run (<run>.metrics.before/after), the RSS of the server
before and after the users were loaded, and what load.py printed.
"""
import argparse
import datetime
import json
import os
import re
import subprocess

RUNS = ["recommend_cached", "recommend_model", "recommend_fallback", "ingest_batch100", "ingest_single"]
TARGETS = {  # issue 3, "Done when"
    "recommend_cached": ("rps", 10000, "p99_ms", 10),
    "recommend_model": ("rps", 3000, "p99_ms", 20),
    "recommend_fallback": None,
    "ingest_batch100": ("events_per_s", 100000, None, None),
    "ingest_single": ("rps", 10000, None, None),
}
SERIES = re.compile(r'^([a-z_]+)(\{[^}]*\})?\s+(\S+)$')


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def metrics(path):
    out = {}
    for line in read(path).splitlines():
        m = SERIES.match(line)
        if m:
            out[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return out


def delta(before, after, name):
    """{labels: increase} of one metric family over a run."""
    d = {}
    for (n, labels), v in after.items():
        if n == name:
            d[labels] = v - before.get((n, labels), 0.0)
    return d


def mean_ms(before, after, histogram, labels):
    """Mean of a latency histogram's series over a run, in ms; None when it saw nothing."""
    count = after.get((histogram + "_count", labels), 0) - before.get((histogram + "_count", labels), 0)
    total = after.get((histogram + "_sum", labels), 0) - before.get((histogram + "_sum", labels), 0)
    return round(total * 1e3 / count, 3) if count else None


def label(labels, key):
    m = re.search(key + r'="([^"]*)"', labels)
    return m.group(1) if m else ""


def wrk_result(path):
    for line in read(path).splitlines():
        if line.startswith("NBA_RESULT "):
            return json.loads(line[len("NBA_RESULT "):])
    raise SystemExit(f"{path}: no NBA_RESULT line (wrk failed?)")


def run_summary(out, name, batch):
    r = wrk_result(os.path.join(out, name + ".wrk"))
    before = metrics(os.path.join(out, name + ".metrics.before"))
    after = metrics(os.path.join(out, name + ".metrics.after"))
    errors = sum(r["errors"].values())
    s = {"rps": round(r["rps"], 1), "p50_ms": round(r["p50_ms"], 2), "p90_ms": round(r["p90_ms"], 2),
         "p99_ms": round(r["p99_ms"], 2), "max_ms": round(r["max_ms"], 2), "requests": r["requests"],
         "duration_s": r["duration_s"], "errors": errors}
    route = '{method="POST",route="/v1/events"}' if name.startswith("ingest") else \
        '{method="GET",route="/v1/recommendations"}'
    s["server_mean_ms"] = mean_ms(before, after, "nba_http_request_duration_seconds", route)
    statuses = {}
    for labels, v in delta(before, after, "nba_http_requests_total").items():
        if v:
            key = label(labels, "status")
            statuses[key] = statuses.get(key, 0) + int(v)
    s["http_status"] = statuses
    if name.startswith("ingest"):
        ok = r["requests"] - r["errors"]["status"]
        s["events_per_s"] = round(ok * batch / r["duration_s"], 1)
        acked = sum(delta(before, after, "nba_events_ingested_total").values())
        fsyncs = sum(delta(before, after, "nba_event_log_fsyncs").values())
        s["events_acknowledged"] = int(acked)
        s["fsyncs"] = int(fsyncs)
        s["events_per_fsync"] = round(acked / fsyncs, 1) if fsyncs else None
        fsync_s = sum(delta(before, after, "nba_event_log_fsync_seconds").values())
        s["fsync_mean_ms"] = round(fsync_s * 1e3 / fsyncs, 3) if fsyncs else None
    else:
        s["strategies"] = {label(k, "strategy"): int(v)
                           for k, v in delta(before, after, "nba_recommendations_total").items() if v}
        hits = sum(delta(before, after, "nba_cache_hits_total").values())
        misses = sum(delta(before, after, "nba_cache_misses_total").values())
        s["cache_hit_ratio"] = round(hits / (hits + misses), 4) if hits + misses else None
        s["inference_mean_ms"] = mean_ms(before, after, "nba_inference_seconds", "")
    return s


def machine(out):
    def sh(cmd):
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    return {
        "cpu": sh("lscpu | sed -n 's/^Model name: *//p'"),
        "nproc": int(sh("nproc")),
        "memory": sh("free -h | awk '/^Mem:/ {print $2}'"),
        "kernel": sh("uname -r"),
        "load_average_at_start": read(os.path.join(out, "loadavg_start")).split()[:3],
    }


def met(summary, target):
    if target is None:
        return "-"
    key, bar, lat_key, lat_bar = target
    ok = summary[key] >= bar and (lat_key is None or summary[lat_key] <= lat_bar)
    text = f"{key} ≥ {bar:,}" + (f", {lat_key} ≤ {lat_bar}" if lat_key else "")
    return ("met" if ok else "NOT met") + f" ({text})"


def main():
    p = argparse.ArgumentParser()
    for a in ["out", "results", "data", "model_config", "items", "train_cmd", "serve_cmd", "config", "note"]:
        p.add_argument("--" + a.replace("_", "-"), required=a != "note", default="")
    for a in ["users", "cached_users", "duration", "warmup", "connections", "wrk_threads"]:
        p.add_argument("--" + a.replace("_", "-"), type=int, required=True)
    a = p.parse_args()

    model = json.loads(read(a.model_config))
    items = sum(1 for line in read(a.items).splitlines() if line.strip())
    users_load = json.loads(read(os.path.join(a.out, "users.json")))
    rss_before = int(read(os.path.join(a.out, "rss_before_users")))
    rss_after = int(read(os.path.join(a.out, "rss_after_users")))
    runs = {n: run_summary(a.out, n, 100 if n == "ingest_batch100" else 1) for n in RUNS}
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    mach = machine(a.out)
    result = {
        **runs,
        "bytes_per_user": round((rss_after - rss_before) * 1024 / a.users),
        "bytes_per_user_method": "server VmRSS after loading the users minus before, divided by the users "
                                 "(feature store, interned ids, allocator slack; the store's own estimate "
                                 "is not exported in /metrics)",
        "config": {
            "data": a.data, "items": items, "users": a.users, "events_loaded": users_load["events"],
            "model": {k: model.get(k) for k in ["max_len", "hidden", "blocks", "heads", "ffn_dim"] if k in model},
            "cached_users": a.cached_users, "k": 10, "wrk_threads": a.wrk_threads,
            "connections": a.connections, "duration_s": a.duration, "warmup_s": a.warmup,
            "server": read(a.config).replace("\n", "; ").strip("; "),
        },
        "machine": mach, "date": date,
    }
    with open(os.path.join(a.results, "serve.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
        f.write("\n")

    load = ", ".join(mach["load_average_at_start"])
    lines = ["# `nba serve` benchmark", ""]
    if a.note:
        lines += [f"**({a.note}: load average {load} at start)**", ""]
    lines += [
        f"Date: {date}. Machine: {mach['cpu']}, {mach['nproc']} cores (shared by the server and wrk), "
        f"{mach['memory']} memory, Linux {mach['kernel']}; load average at start {load}.",
        "",
        f"Model: SASRec {json.dumps(result['config']['model'])}, 1 epoch on {a.data}, {items:,} items. "
        f"Users: {a.users:,} with {users_load['events']:,} events, loaded through POST /v1/events "
        f"({users_load['requests']:,} requests in {users_load['seconds']} s by load.py with 16 connections).",
        "",
        "| run | req/s | events/s | p50 ms | p90 ms | p99 ms | errors | target (issue 3) |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for n in RUNS:
        s = runs[n]
        eps = f"{s['events_per_s']:,.0f}" if "events_per_s" in s else "-"
        lines.append(f"| {n} | {s['rps']:,.0f} | {eps} | {s['p50_ms']} | {s['p90_ms']} | {s['p99_ms']} | "
                     f"{s['errors']} | {met(s, TARGETS[n])} |")
    lines += [
        "",
        f"Bytes per user: {result['bytes_per_user']:,} ({result['bytes_per_user_method']}; "
        f"RSS {rss_before // 1024} MiB → {rss_after // 1024} MiB).",
        "",
        "What the server counted during each measured run (/metrics before and after; server time is the "
        "route's latency histogram, parsed request to response, so wrk's latency minus it is time spent "
        "waiting for a core or in socket queues):",
        "",
    ]
    for n in RUNS:
        s = runs[n]
        if n.startswith("ingest"):
            lines.append(f"- {n}: {s['events_acknowledged']:,} events acknowledged, {s['fsyncs']:,} fdatasyncs "
                         f"({s['events_per_fsync']} events per fsync, {s['fsync_mean_ms']} ms each); "
                         f"mean server time {s['server_mean_ms']} ms; HTTP statuses {s['http_status']}")
        else:
            lines.append(f"- {n}: strategies {s['strategies']}, cache hit ratio {s['cache_hit_ratio']}, "
                         f"mean inference {s['inference_mean_ms']} ms, mean server time {s['server_mean_ms']} ms; "
                         f"HTTP statuses {s['http_status']}")
    lines += ["", "Commands (PORT: the free port the server picked; $WORK: /tmp/nba-bench-serve):", "", "```",
              "bash bench/serve/run.sh", a.train_cmd, a.serve_cmd]
    lines += [f"# {n}\n" + read(os.path.join(a.out, n + ".cmd")).strip() for n in RUNS]
    lines += ["```", "", "Server config (`$WORK/serve.yaml`):", "", "```yaml", read(a.config).strip(), "```", "",
              "Flags per run (PUT /v1/admin/flags): cached: cache on; model: cache_enabled=false; "
              f"fallback: model_enabled=false. Cached run: the first {a.cached_users:,} users in turn, "
              f"after a {a.warmup} s warm-up with the same requests; model and fallback runs: uniformly random "
              f"users of the {a.users:,}. Ingest runs: random users and items, 256 pre-built bodies per wrk thread.",
              ""]
    with open(os.path.join(a.results, "serve.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
