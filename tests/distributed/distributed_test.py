#!/usr/bin/env python3
"""The distributed mode end to end, with real services (tests/distributed/cluster.py):
an event sent through nginx reaches Kafka, `nba consume` applies it to Redis
and the lake, and every replica's next recommendation reflects it; and the
failure rules: Kafka killed during ingest, `nba consume` killed -9, Redis
down. Usage: distributed_test.py NBA_BINARY"""
import collections
import glob
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster  # noqa: E402
from cluster import request, wait_for  # noqa: E402

NBA = None


def missing_services():
    need = {"redis-server": "redis-server", "redis-cli": "redis-tools", "nginx": "nginx", "java": "Java 17",
            "zstd": "zstd", "mvn": "maven"}
    gone = [what for tool, what in need.items() if subprocess.run(["which", tool], capture_output=True).returncode]
    return gone


class Loader(threading.Thread):
    """Sends batches of events with unique ids through nginx until stopped;
    remembers which ids were acknowledged (200)."""

    def __init__(self, url, users, prefix, batch=20, per_user=150):
        super().__init__(daemon=True)
        self.url, self.users, self.prefix, self.batch = url, users, prefix, batch
        # Below the feature store's 200 recent events per user, so Redis
        # still lists every id of a user at the end.
        self.limit = users * per_user
        self.acked, self.failed, self.statuses = [], 0, collections.Counter()
        self.stop = threading.Event()

    def run(self):
        n = 0
        while not self.stop.is_set() and n < self.limit:
            events = []
            for _ in range(self.batch):
                events.append({"event_id": f"{self.prefix}-{n}", "user_id": f"{self.prefix}-u{n % self.users}",
                               "item_id": f"i{n % 50}", "event_type": "view"})
                n += 1
            status, body = request(self.url + "/v1/events", "POST", events, timeout=15)
            time.sleep(0.01)  # about 2,000 events/s: the load outlasts the faults
            self.statuses[status] += 1
            if status == 200 and body["accepted"] == len(events):
                self.acked.extend(e["event_id"] for e in events)
            else:
                self.failed += 1


class DistributedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        gone = missing_services()
        if gone:
            raise unittest.SkipTest("not installed: " + ", ".join(gone) + " (run scripts/setup.sh --with-services)")
        cls.tmp = tempfile.mkdtemp(prefix="nba-distributed-")
        c = cls.c = cluster.Cluster(NBA, cls.tmp)
        try:
            c.start_redis()
            c.start_kafka()
            cls.items = c.train_model()
            c.start_replica(0)
            c.start_replica(1)
            c.start_consumer()
            c.start_nginx()
        except Exception:
            cls.dump_logs()
            c.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.c.close()
        if os.environ.get("NBA_KEEP_TEST_DIR"):
            sys.stderr.write(f"kept {cls.tmp}\n")
        else:
            subprocess.run(["rm", "-rf", cls.tmp])

    @classmethod
    def dump_logs(cls):
        for name in ("replica0", "replica1", "consumer"):
            sys.stderr.write(f"---- {name} log (tail)\n{cls.c.log(name)[-3000:]}\n")

    def run(self, result=None):
        failures = len(result.failures) + len(result.errors) if result else 0
        out = super().run(result)
        if result and len(result.failures) + len(result.errors) > failures:
            self.dump_logs()
        return out

    def wait_drained(self, timeout=60):
        """Until no replica has spooled records and the consumer owns all 8
        partitions of the events topic and has no lag on them."""
        def drained():
            spooled = [self.c.metric(self.c.replica_url(i), "nba_kafka_spooled_events") for i in range(2)]
            consumer = f"http://127.0.0.1:{self.c.consumer_metrics_port}"
            lag = self.c.metric(consumer, "nba_consume_lag")
            assigned = self.c.metric(consumer, "nba_consume_assigned_partitions")
            return all(s == 0 for s in spooled) and lag == 0 and assigned == 8
        wait_for(drained, timeout, "spools drained and consumer caught up")
        time.sleep(1.5)  # the lag gauge is sampled once per batch

    def redis_ids(self, users, prefix):
        """Every event id in Redis for users prefix-u0.. (the per-user dedupe lists)."""
        commands = "".join(f"LRANGE nba:u:{{{prefix}-u{u}}}:ids 0 -1\n" for u in range(users))
        out = subprocess.run(["redis-cli", "-p", str(self.c.redis_port)], input=commands, capture_output=True,
                             text=True, check=True).stdout
        return [line for line in out.splitlines() if line]

    def redis_ids_once_applied(self, users, prefix, acked, timeout=60):
        """redis_ids once every acknowledged id is among them, or at the
        timeout. A zero lag gauge is not proof enough: right after a broker
        restart the consumer's cached high watermarks are stale until its
        next fetch."""
        deadline = time.time() + timeout
        while True:
            ids = self.redis_ids(users, prefix)
            if set(acked) <= set(ids) or time.time() > deadline:
                return ids
            time.sleep(0.5)

    def lake_lines(self):
        lines = []
        for path in glob.glob(os.path.join(self.c.lake, "events", "**", "*.jsonl.zst"), recursive=True):
            text = subprocess.run(["zstd", "-dc", path], capture_output=True, text=True, check=True).stdout
            lines.extend(json.loads(line) for line in text.splitlines() if line)
        return lines

    def test_1_event_through_nginx_reaches_every_replica(self):
        c = self.c
        status, body = request(c.nginx_url + "/v1/items", "POST", self.items)
        self.assertEqual(status, 200, body)
        # Catalogue changes travel on their topic: every replica has them.
        last = self.items[-1]["id"]
        for i in range(2):
            wait_for(lambda: request(c.replica_url(i) + f"/v1/items/{last}")[0] == 200, 10,
                     f"replica {i} sees the catalogue")

        status, body = request(c.nginx_url + "/v1/recommendations?user_id=e2e-user")
        self.assertEqual(status, 200)
        self.assertEqual(body["strategy"], "fallback:cold_start")

        history = [{"user_id": "e2e-user", "item_id": it["id"], "event_type": "view"} for it in self.items[:5]]
        bought = self.items[2]["id"]
        history.append({"user_id": "e2e-user", "item_id": bought, "event_type": "purchase", "event_id": "e2e-buy"})
        status, body = request(c.nginx_url + "/v1/events", "POST", history)
        self.assertEqual((status, body["accepted"]), (200, 6), body)

        for i in range(2):
            def reflected():
                s, b = request(c.replica_url(i) + "/v1/recommendations?user_id=e2e-user&k=20")
                return s == 200 and b["strategy"] == "model" and bought not in [x["item_id"] for x in b["items"]]
            wait_for(reflected, 10, f"replica {i} ranks with the new history")
            status, user = request(c.replica_url(i) + "/v1/users/e2e-user")
            self.assertEqual(status, 200)
            self.assertEqual(user["purchased"], [bought])
            self.assertEqual(len(user["recent"]), 6)

        # Trending, counted by the consumer in Redis, reaches every replica's fallback.
        for i in range(2):
            def trending():
                s, b = request(c.replica_url(i) + "/v1/recommendations?user_id=nobody-yet")
                return s == 200 and b["strategy"] == "fallback:cold_start" and len(b["items"]) > 0
            wait_for(trending, 10, f"replica {i} offers trending items to an unknown user")

        # The same event id again (a client retry): applied once in effect.
        status, _ = request(c.nginx_url + "/v1/events", "POST", [history[-1]])
        self.assertEqual(status, 200)
        self.wait_drained()
        self.assertEqual(len(request(c.replica_url(1) + "/v1/users/e2e-user")[1]["recent"]), 6)

    def test_2_kafka_killed_during_ingest_loses_nothing(self):
        c = self.c
        loader = Loader(c.nginx_url, users=600, prefix="kafka")
        loader.start()
        wait_for(lambda: len(loader.acked) > 500, 30, "ingest under way")
        c.kill_kafka()
        time.sleep(4)
        c.start_kafka()
        time.sleep(4)
        self.assertTrue(loader.is_alive(), "the outage fell inside the load")
        loader.stop.set()
        loader.join()
        self.assertGreater(len(loader.acked), 1000)
        errors = sum(c.metric(c.replica_url(i), "nba_kafka_produce_errors_total") or 0 for i in range(2))
        self.assertGreater(errors, 0, "the replicas noticed the outage (and spooled)")
        self.assertEqual(loader.failed, 0, f"spool mode acknowledges through the outage: {dict(loader.statuses)}")
        self.wait_drained(120)
        counts = collections.Counter(self.redis_ids_once_applied(600, "kafka", loader.acked))
        self.assertEqual(set(counts), set(loader.acked), "every acknowledged event is applied, nothing else")
        self.assertEqual(max(counts.values()), 1, "no event is applied twice")

    def test_3_consumer_killed_resumes_and_lake_holds_each_event_once(self):
        c = self.c
        loader = Loader(c.nginx_url, users=400, prefix="crash")
        loader.start()
        wait_for(lambda: len(loader.acked) > 500, 30, "ingest under way")
        c.stop_consumer(sig=signal.SIGKILL)
        time.sleep(2)
        c.start_consumer()
        wait_for(lambda: len(loader.acked) > 2000, 60, "more ingest after the restart")
        self.assertTrue(loader.is_alive(), "the crash fell inside the load")
        loader.stop.set()
        loader.join()
        self.wait_drained(120)
        counts = collections.Counter(self.redis_ids_once_applied(400, "crash", loader.acked))
        c.stop_consumer()  # flushes the lake
        c.start_consumer()

        self.assertEqual(set(counts), set(loader.acked))
        self.assertEqual(max(counts.values()), 1)
        lines = self.lake_lines()
        offsets = collections.Counter((l["partition"], l["offset"]) for l in lines)
        self.assertEqual(max(offsets.values()), 1, "each Kafka offset once in the lake")
        lake_ids = collections.Counter(l["event_id"] for l in lines if l["event_id"].startswith("crash-"))
        self.assertEqual(set(lake_ids), set(loader.acked))
        self.assertEqual(max(lake_ids.values()), 1)

        out = subprocess.run([NBA, "dataset", "build", "--lake", c.lake, "--out", os.path.join(self.tmp, "ds.tsv")],
                             capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        with open(os.path.join(self.tmp, "ds.tsv")) as f:
            rows = f.read().splitlines()
        self.assertGreaterEqual(len(rows), len(loader.acked))

    def test_4_redis_down_falls_back_and_recovers(self):
        c = self.c
        url = c.nginx_url + "/v1/recommendations?user_id=e2e-user"
        self.assertEqual(request(url)[1]["strategy"], "model")
        c.stop_redis()
        try:
            time.sleep(0.5)  # past the replicas' local cache
            for _ in range(20):
                status, body = request(url + "&k=7")
                self.assertEqual(status, 200, body)
                self.assertEqual(body["strategy"], "fallback:store_unavailable")
            status, _ = request(c.replica_url(0) + "/v1/users/e2e-user")
            self.assertEqual(status, 503)
        finally:
            c.start_redis()
        wait_for(lambda: request(url + "&k=8")[1]["strategy"] == "model", 15, "model ranking after Redis returned")

    def test_5_bad_input_is_a_4xx_with_the_field(self):
        status, body = request(self.c.nginx_url + "/v1/events", "POST",
                               [{"user_id": "u", "item_id": "i", "event_type": "teleport"}])
        self.assertEqual(status, 400)
        self.assertEqual(body["rejected"][0]["field"], "event_type")
        status, _ = request(self.c.nginx_url + "/v1/recommendations?user_id=u", key="wrong-key")
        self.assertEqual(status, 401)


if __name__ == "__main__":
    NBA = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
