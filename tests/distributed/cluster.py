"""A distributed-mode deployment on one machine, for tests and benchmarks.

Every service is the real one: redis-server (Debian), a Kafka KRaft broker
(scripts/services/kafka.sh: Maven Central's jars on Java 17), nginx
(Debian) configured from deploy/nginx/, `nba serve` replicas in
mode: distributed, and `nba consume` workers. Everything lives under one
scratch directory and listens on free loopback ports; close() stops it all.
"""
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
API_KEY = "test-key-for-the-distributed-mode"


def free_port(pair=False):
    """A free loopback port (and, with pair, the next one free too)."""
    for _ in range(100):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if not pair:
            return port
        with socket.socket() as s2:
            try:
                s2.bind(("127.0.0.1", port + 1))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port pair")


def wait_for(predicate, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} within {timeout} s")


def request(url, method="GET", body=None, key=API_KEY, timeout=10):
    """(status, parsed JSON or None). Connection errors give status 0."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if key:
        req.add_header("X-API-Key", key)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            text = r.read()
            return r.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as e:
        text = e.read()
        try:
            return e.code, json.loads(text)
        except ValueError:
            return e.code, None
    except (urllib.error.URLError, ConnectionError, TimeoutError, socket.timeout):
        return 0, None


def listening(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class Cluster:
    def __init__(self, nba, root, replicas=2, on_unavailable="spool", nginx_rate="10000r/s", nginx_burst=None,
                 extra_config=""):
        self.nba = nba
        self.root = root
        self.on_unavailable = on_unavailable
        self.nginx_rate = nginx_rate
        self.nginx_burst = nginx_burst  # None: the bursts of deploy/nginx/nba-proxy.conf
        self.extra_config = extra_config
        self.redis_port = free_port()
        self.kafka_port = free_port(pair=True)
        self.nginx_port = free_port()
        self.replica_ports = [free_port() for _ in range(replicas)]
        self.consumer_metrics_port = free_port()
        self.registry = os.path.join(root, "registry")
        self.lake = os.path.join(root, "lake")
        self.procs = {}
        os.makedirs(root, exist_ok=True)

    # ---- processes -------------------------------------------------------
    def _spawn(self, name, args, **kw):
        with open(os.path.join(self.root, name + ".log"), "ab") as log:
            self.procs[name] = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, **kw)
        return self.procs[name]

    def _stop(self, name, sig=signal.SIGTERM, timeout=30):
        p = self.procs.pop(name, None)
        if p is None or p.poll() is not None:
            return
        p.send_signal(sig)
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    def log(self, name):
        path = os.path.join(self.root, name + ".log")
        if not os.path.exists(path):
            return ""
        with open(path, errors="replace") as f:
            return f.read()

    # ---- Redis -----------------------------------------------------------
    def start_redis(self):
        d = os.path.join(self.root, "redis")
        os.makedirs(d, exist_ok=True)
        # Append-only with an fsync per second: state survives a restart.
        self._spawn("redis", ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
                              "--dir", d, "--save", "", "--appendonly", "yes", "--appendfsync", "everysec"])
        wait_for(lambda: listening(self.redis_port), 20, "redis-server listening")

    def stop_redis(self):
        self._stop("redis")

    def redis(self, *args):
        out = subprocess.run(["redis-cli", "-p", str(self.redis_port), *args], capture_output=True, text=True,
                             check=True)
        return out.stdout

    # ---- Kafka -----------------------------------------------------------
    def _kafka(self, *args):
        subprocess.run(["bash", os.path.join(SOURCE, "scripts/services/kafka.sh"), *args], check=True,
                       stdout=subprocess.DEVNULL)

    def start_kafka(self):
        self._kafka("start", os.path.join(self.root, "kafka"), str(self.kafka_port))

    def stop_kafka(self):
        self._kafka("stop", os.path.join(self.root, "kafka"))

    def kill_kafka(self):
        self._kafka("kill", os.path.join(self.root, "kafka"))

    # ---- nba -------------------------------------------------------------
    def config_path(self, name):
        path = os.path.join(self.root, name + ".yaml")
        sha = hashlib.sha256(API_KEY.encode()).hexdigest()
        with open(path, "w") as f:
            f.write(f"""mode: distributed
data_dir: {os.path.join(self.root, name)}
server:
  address: 127.0.0.1
  access_log: "off"
serving:
  registry_dir: {self.registry}
kafka:
  brokers: 127.0.0.1:{self.kafka_port}
  on_unavailable: {self.on_unavailable}
  delivery_timeout_ms: 3000
redis:
  address: 127.0.0.1:{self.redis_port}
  timeout_ms: 100
consume:
  lake_dir: {self.lake}
  metrics_port: {self.consumer_metrics_port}
auth:
  api_keys:
    - name: test
      sha256: {sha}
      scopes: [ingest, recommend, admin]
{self.extra_config}""")
        return path

    def start_replica(self, i):
        name = f"replica{i}"
        port = self.replica_ports[i]
        self._spawn(name, [self.nba, "serve", "--config", self.config_path(name), "--port", str(port)])
        wait_for(lambda: request(self.replica_url(i) + "/readyz", key=None)[0] == 200 or
                 self.procs[name].poll() is not None, 60, f"{name} ready")
        if self.procs[name].poll() is not None:
            raise RuntimeError(f"{name} exited: {self.log(name)[-2000:]}")

    def stop_replica(self, i):
        self._stop(f"replica{i}")

    def replica_url(self, i):
        return f"http://127.0.0.1:{self.replica_ports[i]}"

    def start_consumer(self, name="consumer"):
        self._spawn(name, [self.nba, "consume", "--config", self.config_path(name)])
        wait_for(lambda: listening(self.consumer_metrics_port) or self.procs[name].poll() is not None, 30,
                 "nba consume listening")
        if self.procs[name].poll() is not None:
            raise RuntimeError(f"nba consume exited: {self.log(name)[-2000:]}")

    def stop_consumer(self, name="consumer", sig=signal.SIGTERM):
        self._stop(name, sig)

    def metric(self, url, name):
        """The sum of every sample of metric `name` at url/metrics."""
        try:
            with urllib.request.urlopen(url + "/metrics", timeout=5) as r:
                text = r.read().decode()
        except OSError:
            return None
        total = None
        for line in text.splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                total = (total or 0) + float(line.rsplit(" ", 1)[1])
        return total

    # ---- nginx -----------------------------------------------------------
    def start_nginx(self):
        """nginx with deploy/nginx/nba.conf and nba-proxy.conf, ports and paths made local."""
        d = os.path.join(self.root, "nginx")
        os.makedirs(os.path.join(d, "snippets"), exist_ok=True)
        conf = open(os.path.join(SOURCE, "deploy/nginx/nba.conf")).read()
        servers = "".join(f"    server 127.0.0.1:{p} max_fails=2 fail_timeout=5s;\n" for p in self.replica_ports)
        lines, in_upstream = [], False
        for line in conf.splitlines(keepends=True):
            if line.strip().startswith("upstream nba_replicas"):
                in_upstream = True
                lines.append(line)
                lines.append(servers)
                continue
            if in_upstream and line.strip().startswith("server "):
                continue
            if in_upstream and line.strip() == "}":
                in_upstream = False
            lines.append(line)
        conf = "".join(lines)
        conf = conf.replace("listen 8080;", f"listen 127.0.0.1:{self.nginx_port};")
        conf = conf.replace("/var/log/nginx/", d + "/")
        conf = conf.replace("include snippets/", f"include {d}/snippets/")
        for zone in ("nba_events", "nba_recommendations"):
            start = conf.index(f"zone={zone}:")
            end = conf.index(";", start)
            rate = conf[start:end].split("rate=")[1]
            conf = conf[:start] + conf[start:end].replace("rate=" + rate, "rate=" + self.nginx_rate) + conf[end:]
        with open(os.path.join(d, "nba.conf"), "w") as f:
            f.write(conf)
        proxy = open(os.path.join(SOURCE, "deploy/nginx/nba-proxy.conf")).read()
        if self.nginx_burst is not None:
            proxy = re.sub(r"burst=\d+", f"burst={self.nginx_burst}", proxy)
        with open(os.path.join(d, "snippets/nba-proxy.conf"), "w") as f:
            f.write(proxy)
        with open(os.path.join(d, "nginx.conf"), "w") as f:
            f.write(f"""worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    include {d}/nba.conf;
}}
""")
        self._spawn("nginx", ["nginx", "-p", d, "-c", os.path.join(d, "nginx.conf"), "-g", "daemon off;"])
        wait_for(lambda: listening(self.nginx_port), 20, "nginx listening")

    @property
    def nginx_url(self):
        return f"http://127.0.0.1:{self.nginx_port}"

    # ---- a model to serve ------------------------------------------------
    def train_model(self):
        """A small synthetic shop and a model trained on it, promoted; returns the shop's items."""
        shop = os.path.join(self.root, "shop")
        subprocess.run([self.nba, "generate", "--out", shop, "--users", "300", "--items", "80", "--seed", "7"],
                       check=True, capture_output=True)
        subprocess.run([self.nba, "train", "--data", os.path.join(shop, "events.tsv"), "--registry", self.registry,
                        "--epochs", "3", "--hidden", "16", "--max-len", "20", "--quiet", "--promote"],
                       check=True, capture_output=True)
        with open(os.path.join(shop, "items.jsonl")) as f:
            return [json.loads(line) for line in f if line.strip()]

    def close(self):
        for name in list(self.procs):
            self._stop(name, signal.SIGKILL if name != "nginx" else signal.SIGTERM)
        try:
            self.stop_kafka()
        except subprocess.CalledProcessError:
            pass
