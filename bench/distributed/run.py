#!/usr/bin/env python3
"""Distributed-mode benchmark (issue 4, section 6), all on this machine:
Redis, a Kafka KRaft broker, two `nba serve` replicas behind nginx
(deploy/nginx/nba.conf, rate limits and bursts lifted) and one `nba consume`.

  python3 bench/distributed/run.py [--duration 20] [--users 20000]

1. kafka_ingest: wrk POSTs batches of 100 events through nginx; every 200 is
   an acknowledgement from Kafka (acks=all). events/s = 200s x 100 / time.
2. consumer: `nba consume` applies them to Redis and the lake meanwhile;
   events/s from nba_consume_events_total over the run until it caught up,
   max_lag the largest nba_consume_lag sampled every 0.5 s.
3. recommend_nginx_2_replicas: wrk GETs recommendations for random users
   (state in Redis, shared cache in Redis) through nginx.
Writes bench/results/distributed.json and distributed.md.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "distributed"))
import cluster  # noqa: E402


def wrk(url, script, args, duration, connections, log):
    env = dict(os.environ, NBA_BENCH_KEY=cluster.API_KEY, NBA_BENCH_LUA=os.path.join(ROOT, "bench/serve"))
    folder = HERE if os.path.exists(os.path.join(HERE, script)) else os.path.join(ROOT, "bench/serve")
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s",
           os.path.join(folder, script), url, "--", *args]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration + 60)
    with open(log, "w") as f:
        f.write(out.stdout + out.stderr)
    m = re.search(r"NBA_RESULT (\{.*\})", out.stdout)
    if not m:
        raise RuntimeError(f"wrk printed no result; see {log}")
    shown = " ".join(cmd).replace(ROOT + "/", "").replace(url, "http://NGINX")
    return json.loads(m.group(1)), shown


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nba", default=os.path.join(ROOT, "build/nba"))
    ap.add_argument("--work", default="/tmp/nba-bench-distributed")
    ap.add_argument("--duration", type=int, default=20)
    ap.add_argument("--users", type=int, default=20000)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--paced-events-per-s", type=int, default=55000)
    ap.add_argument("--results", default=os.path.join(ROOT, "bench/results"))
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    c = cluster.Cluster(os.path.abspath(a.nba), a.work, replicas=2, nginx_rate="1000000r/s", nginx_burst=1000000)
    t0 = time.time()
    say = lambda msg: print(f"[{time.time() - t0:5.0f}s] {msg}", flush=True)
    try:
        say("starting Redis, Kafka, training a small model")
        c.start_redis()
        c.start_kafka()
        items = c.train_model()
        c.start_replica(0)
        c.start_replica(1)
        c.start_consumer()
        c.start_nginx()
        status, body = cluster.request(c.nginx_url + "/v1/items", "POST", items)
        assert status == 200, body
        items_txt = os.path.join(a.work, "items.txt")
        with open(items_txt, "w") as f:
            f.write("\n".join(it["id"] for it in items) + "\n")
        consumer_url = f"http://127.0.0.1:{c.consumer_metrics_port}"

        say("warm-up ingest (5 s)")
        wrk(c.nginx_url, "ingest.lua", ["100", str(a.users), items_txt], 5, a.connections,
            os.path.join(a.work, "ingest-warmup.wrk"))
        cluster.wait_for(lambda: c.metric(consumer_url, "nba_consume_lag") == 0, 120, "consumer caught up")
        time.sleep(1)

        def ingest_run(name, script, args):
            """One wrk ingest run; the consumer's throughput and lag meanwhile, until it caught up."""
            before = c.metric(consumer_url, "nba_consume_events_total")
            lags, stop = [], threading.Event()

            def sample():
                while not stop.is_set():
                    lag = c.metric(consumer_url, "nba_consume_lag")
                    if lag is not None:
                        lags.append(lag)
                    time.sleep(0.5)
            sampler = threading.Thread(target=sample, daemon=True)
            start = time.time()
            sampler.start()
            result, cmd = wrk(c.nginx_url, script, args, a.duration, a.connections,
                              os.path.join(a.work, name + ".wrk"))
            end = time.time()
            cluster.wait_for(lambda: c.metric(consumer_url, "nba_consume_lag") == 0, 600, "consumer caught up")
            caught_up = time.time()
            stop.set()
            sampler.join()
            consumed = c.metric(consumer_url, "nba_consume_events_total") - before
            errors = sum(result["errors"].values())
            events_per_s = result["requests"] * 100 / result["duration_s"] if errors == 0 else 0
            out = {"events_per_s": round(events_per_s), "p99_ms": result["p99_ms"], "requests": result["requests"],
                   "batch": 100, "errors": result["errors"], "command": cmd,
                   "consumer_events_per_s": round(consumed / (caught_up - start)),
                   "consumer_max_lag": int(max(lags or [0])),
                   "consumer_caught_up_after_load_s": round(caught_up - end, 1)}
            say(f"{name}: {events_per_s:,.0f} events/s acknowledged (p99 {result['p99_ms']} ms, errors "
                f"{result['errors']}); consumer {out['consumer_events_per_s']:,} events/s, max lag "
                f"{out['consumer_max_lag']:,}, caught up {out['consumer_caught_up_after_load_s']} s after")
            return out

        say(f"ingest through nginx -> 2 replicas -> Kafka, as fast as it goes ({a.duration} s)")
        full = ingest_run("ingest", "ingest.lua", ["100", str(a.users), items_txt])
        # The offered rate for the consumer run: connections / (pause + latency).
        pause_ms = max(1, int(a.connections * 1000 / (a.paced_events_per_s / 100)) - 8)
        say(f"ingest paced at about {a.paced_events_per_s:,} events/s ({a.duration} s)")
        paced = ingest_run("ingest-paced", "ingest_paced.lua", ["100", str(a.users), items_txt, str(pause_ms)])

        say(f"recommendations through nginx ({a.duration} s)")
        wrk(c.nginx_url, "recommend.lua", ["random", str(a.users)], 5, a.connections,
            os.path.join(a.work, "recommend-warmup.wrk"))
        rec, rec_cmd = wrk(c.nginx_url, "recommend.lua", ["random", str(a.users)], a.duration, a.connections,
                           os.path.join(a.work, "recommend.wrk"))
        say(f"recommend {rec['rps']:,.0f} req/s, p99 {rec['p99_ms']} ms, errors {rec['errors']}")
        hits = sum(c.metric(c.replica_url(i), "nba_cache_hits_total") or 0 for i in range(2))
        misses = sum(c.metric(c.replica_url(i), "nba_cache_misses_total") or 0 for i in range(2))
    finally:
        c.close()

    with open("/proc/cpuinfo") as f:
        model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    machine = f"{os.cpu_count()} cores ({model}), " + \
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB"
    result = {
        "kafka_ingest": {k: full[k] for k in ("events_per_s", "p99_ms", "requests", "batch", "errors")},
        # The consumer at the paced rate: does it keep up (bounded lag)?
        "consumer": {"events_per_s": paced["consumer_events_per_s"], "max_lag": paced["consumer_max_lag"],
                     "offered_events_per_s": paced["events_per_s"], "offered_p99_ms": paced["p99_ms"],
                     "caught_up_after_load_s": paced["consumer_caught_up_after_load_s"]},
        "consumer_at_full_ingest": {k.replace("consumer_", ""): v for k, v in full.items() if k.startswith("consumer_")},
        "recommend_nginx_2_replicas": {"rps": round(rec["rps"]), "p99_ms": rec["p99_ms"], "p50_ms": rec["p50_ms"],
                                       "errors": rec["errors"],
                                       "cache_hit_rate": round(hits / (hits + misses), 3) if hits + misses else 0},
        "config": {"machine": machine, "date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
                   "command": "python3 bench/distributed/run.py " + " ".join(sys.argv[1:]),
                   "duration_s": a.duration, "users": a.users, "connections": a.connections, "wrk_threads": 2,
                   "replicas": 2, "kafka": "4.1.1 single KRaft node, 8 partitions, acks=all, idempotent, lz4, "
                                           "linger 5 ms", "consumers": 1,
                   "model": "synthetic shop (300 users, 80 items), hidden 16, max_len 20",
                   "ingest_command": full["command"], "paced_command": paced["command"],
                   "recommend_command": rec_cmd},
    }
    os.makedirs(a.results, exist_ok=True)
    with open(os.path.join(a.results, "distributed.json"), "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    k, co, r, cfg = result["kafka_ingest"], result["consumer"], result["recommend_nginx_2_replicas"], result["config"]
    cf = result["consumer_at_full_ingest"]
    with open(os.path.join(a.results, "distributed.md"), "w") as f:
        f.write(f"""# Distributed mode benchmark

Machine: {cfg['machine']}. Date: {cfg['date']}. Command: `{cfg['command']}`.
Everything on this one machine: Redis, Kafka ({cfg['kafka']}), nginx
(deploy/nginx/nba.conf, rate limits and bursts lifted), {cfg['replicas']} `nba serve` replicas, {cfg['consumers']} `nba consume`,
and wrk ({cfg['wrk_threads']} threads, {cfg['connections']} connections), {cfg['duration_s']} s per run.

| Path | Result | Target |
|---|---|---|
| Ingest through nginx → replicas → Kafka, batches of 100 | {k['events_per_s']:,} events/s acknowledged, p99 {k['p99_ms']:.1f} ms, errors {sum(k['errors'].values())} | ≥ 50,000 events/s |
| `nba consume` → Redis + lake, ingest paced at {co['offered_events_per_s']:,} events/s (p99 {co['offered_p99_ms']:.1f} ms) | {co['events_per_s']:,} events/s, max lag {co['max_lag']:,} messages, caught up {co['caught_up_after_load_s']} s after the load | keeps up, lag bounded |
| `nba consume` during the full-speed ingest above | {cf['events_per_s']:,} events/s, max lag {cf['max_lag']:,}, caught up {cf['caught_up_after_load_s']} s after the load | – |
| Recommendations through nginx, 2 replicas, Redis state + shared cache | {r['rps']:,} req/s, p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, cache hit rate {r['cache_hit_rate']:.0%} | – |

Commands: `{cfg['ingest_command']}`; `{cfg['paced_command']}`; `{cfg['recommend_command']}`.
Model: {cfg['model']} (the point is the path, not the model's cost: see serve.md for a Beauty-sized model).
""")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
