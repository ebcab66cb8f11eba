// A real `nba serve` for the end-to-end tests: a synthetic shop, a small
// trained model, a config with an admin key and the demo shop on, and
// helpers to call the API, kill the server and start it again on the same
// port and data dir.
import { spawn, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync, openSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ADMIN_KEY = "e2e-admin-key";

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class NbaServer {
  constructor(binary) {
    this.binary = binary;
    this.dir = mkdtempSync(join(tmpdir(), "nba-e2e-"));
    this.process = null;
  }

  get origin() {
    return `http://127.0.0.1:${this.port}`;
  }

  // Generates the shop and trains a small model into a fresh registry.
  prepare() {
    const shop = join(this.dir, "shop");
    const run = (...args) => execFileSync(this.binary, args, { stdio: ["ignore", "ignore", "pipe"] });
    run("generate", "--out", shop, "--users", "1000", "--items", "200");
    run("train", "--data", join(shop, "events.tsv"), "--epochs", "5", "--registry", join(this.dir, "registry"),
        "--hidden", "32", "--ffn-dim", "32", "--promote");
    this.items = readFileSync(join(shop, "items.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  }

  async writeConfig() {
    this.port = await freePort();
    const sha = createHash("sha256").update(ADMIN_KEY).digest("hex");
    this.config = join(this.dir, "nba.yaml");
    writeFileSync(this.config, [
      "server:",
      "  address: 127.0.0.1",
      `  port: ${this.port}`,
      "  threads: 2",
      `  access_log: ${join(this.dir, "access.log")}`,
      `data_dir: ${join(this.dir, "data")}`,
      "serving:",
      "  time_budget_ms: 0",
      `  registry_dir: ${join(this.dir, "registry")}`,
      "auth:",
      "  api_keys:",
      "    - name: e2e-admin",
      `      sha256: ${sha}`,
      "      scopes: [admin, ingest, recommend]",
      "features:",
      "  demo: true",
      "",
    ].join("\n"));
  }

  // Starts the server and waits until /healthz answers.
  async start() {
    const log = openSync(join(this.dir, "server.log"), "a");
    this.process = spawn(this.binary, ["serve", "--config", this.config], { stdio: ["ignore", log, log] });
    const exited = new Promise((resolve) => this.process.once("exit", (code, signal) => resolve({ code, signal })));
    this.exited = exited;
    for (let i = 0; i < 300; i++) {
      const done = await Promise.race([exited, sleep(100).then(() => null)]);
      if (done) throw new Error(`nba serve exited (${JSON.stringify(done)}): ${this.log()}`);
      try {
        if ((await fetch(`${this.origin}/healthz`)).ok) return;
      } catch {
        // Not listening yet.
      }
    }
    throw new Error(`nba serve did not answer /healthz within 30 s: ${this.log()}`);
  }

  async kill(signal = "SIGKILL") {
    if (!this.process) return;
    this.process.kill(signal);
    await this.exited;
    this.process = null;
  }

  log() {
    try {
      return readFileSync(join(this.dir, "server.log"), "utf8").slice(-2000);
    } catch {
      return "";
    }
  }

  // Calls the API with the admin key; answers {status, body} (body parsed when JSON).
  async api(method, path, body) {
    const res = await fetch(this.origin + path, {
      method,
      headers: { "X-API-Key": ADMIN_KEY, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Keep the text.
    }
    return { status: res.status, body: parsed };
  }

  async loadCatalog() {
    const res = await this.api("POST", "/v1/items", this.items);
    if (res.status !== 200) throw new Error(`POST /v1/items: ${res.status} ${JSON.stringify(res.body)}`);
  }

  // The user's recent events as the server holds them ([] for an unknown user).
  async recent(userId) {
    const res = await this.api("GET", `/v1/users/${encodeURIComponent(userId)}`);
    if (res.status === 404) return [];
    if (res.status !== 200) throw new Error(`GET /v1/users/${userId}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.recent;
  }

  // Polls until `predicate(recent events)` holds; fails after `ms`.
  async waitForEvents(userId, predicate, ms = 15000) {
    let last = [];
    for (const end = Date.now() + ms; Date.now() < end; await sleep(200)) {
      last = await this.recent(userId);
      if (predicate(last)) return last;
    }
    throw new Error(`events of ${userId} never matched; last: ${JSON.stringify(last)}`);
  }
}
