"""Fills a running `nba serve` for the benchmark, through its public routes.

  load.py catalog URL KEY ITEMS_TXT           every item of the model's vocabulary:
                                              active, in stock, price > 0, no age limit
  load.py users URL KEY ITEMS_TXT USERS       users bu1..bu<USERS>, 10-20 events each,
                                              POST /v1/events in batches of ~100

Prints one JSON line with what was sent. Any refused request stops it with
the server's answer. Standard library only.
"""
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse

TYPES = ["view"] * 6 + ["click"] * 2 + ["add_to_cart", "purchase"]


def connect(url):
    u = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=60)


def post(conn, key, path, body):
    conn.request("POST", path, body=body, headers={"X-API-Key": key, "Content-Type": "application/json"})
    r = conn.getresponse()
    text = r.read()
    if r.status != 200:
        raise RuntimeError(f"POST {path}: HTTP {r.status}: {text[:300]!r}")
    errors = json.loads(text).get("errors", [])
    if errors:
        raise RuntimeError(f"POST {path}: {len(errors)} refused, first: {errors[0]}")


def read_items(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def load_catalog(url, key, items):
    conn = connect(url)
    for start in range(0, len(items), 1000):
        chunk = [{"id": i, "category": f"c{n % 20}", "price": 10.0 + n % 90, "currency": "EUR",
                  "in_stock": True, "stock": 1000, "active": True}
                 for n, i in enumerate(items[start:start + 1000], start)]
        post(conn, key, "/v1/items", json.dumps(chunk))
    return {"items": len(items)}


def user_batches(items, users, batch, seed):
    """Yields request bodies of whole users, each at least `batch` events (the last may be fewer)."""
    rng = random.Random(seed)
    now = int(time.time() * 1000)
    events = []
    for u in range(1, users + 1):
        n = rng.randint(10, 20)
        for j in range(n):
            events.append('{"user_id":"bu%d","item_id":%s,"event_type":"%s","timestamp":%d}'
                          % (u, json.dumps(rng.choice(items)), rng.choice(TYPES), now - (n - j) * 60000))
        if len(events) >= batch:
            yield len(events), "[" + ",".join(events) + "]"
            events = []
    if events:
        yield len(events), "[" + ",".join(events) + "]"


def load_users(url, key, items, users, connections=16, batch=100, seed=7):
    source = user_batches(items, users, batch, seed)
    lock = threading.Lock()
    sent = {"events": 0, "requests": 0}
    failures = []

    def worker():
        conn = connect(url)
        while not failures:
            with lock:
                body = next(source, None)
            if body is None:
                return
            try:
                post(conn, key, "/v1/events", body[1])
            except Exception as e:  # reported once, stops every worker
                failures.append(e)
                return
            with lock:
                sent["events"] += body[0]
                sent["requests"] += 1

    start = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise failures[0]
    return {"users": users, **sent, "seconds": round(time.monotonic() - start, 2)}


def main(argv):
    if len(argv) < 4 or argv[0] not in ("catalog", "users") or (argv[0] == "users" and len(argv) != 5):
        sys.exit(__doc__)
    items = read_items(argv[3])
    if argv[0] == "catalog":
        out = load_catalog(argv[1], argv[2], items)
    else:
        out = load_users(argv[1], argv[2], items, int(argv[4]))
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
