import { test } from "node:test";
import assert from "node:assert/strict";
import { NbaClient } from "../dist/index.js";
import { fakeEnv, fakeFetch, settle } from "./fakes.js";

function client(env, options = {}) {
  const errors = [];
  const c = new NbaClient({ endpoint: "http://nba.test/", apiKey: "k1", env, onError: (m) => errors.push(m), ...options });
  c.errors = errors;
  return c;
}

const storedQueue = (env) => JSON.parse(env.localStorage.getItem("nba.queue") ?? "[]");

test("a full batch is sent at once, with the key header and keepalive", async () => {
  const env = fakeEnv();
  const c = client(env, { batchSize: 3 });
  c.track("view", "i1");
  c.track("click", "i2");
  assert.equal(env.fetch.calls.length, 0);
  c.track("add_to_cart", "i3", { price: 9.5, quantity: 2, context: { page: "pdp" } });
  await settle();
  assert.equal(env.fetch.calls.length, 1);
  const call = env.fetch.calls[0];
  assert.equal(call.url, "http://nba.test/v1/events");
  assert.equal(call.method, "POST");
  assert.equal(call.headers["X-API-Key"], "k1");
  assert.equal(call.keepalive, true);
  const events = JSON.parse(call.body);
  assert.deepEqual(events.map((e) => e.item_id), ["i1", "i2", "i3"]);
  assert.match(events[0].user_id, /^anon-/);
  assert.equal(events[0].user_id, c.userId);
  assert.equal(events[0].session_id, c.sessionId);
  assert.equal(events[0].timestamp, env.clock.now);
  assert.deepEqual(events[2], { ...events[2], event_type: "add_to_cart", price: 9.5, quantity: 2, context: { page: "pdp" } });
  assert.deepEqual(c.stats(), { queued: 0, sent: 3, rejected: 0, dropped: 0 });
  assert.equal(env.localStorage.getItem("nba.queue"), null);
});

test("a partial batch is sent after flushIntervalMs", async () => {
  const env = fakeEnv();
  const c = client(env, { batchSize: 20, flushIntervalMs: 2000 });
  c.track("view", "i1");
  await env.clock.advance(1000);
  c.track("view", "i2");
  await env.clock.advance(999);
  assert.equal(env.fetch.calls.length, 0);
  await env.clock.advance(1);
  assert.deepEqual(env.fetch.events().map((e) => e.item_id), ["i1", "i2"]);
  assert.equal(env.fetch.calls.length, 1);
});

test("network errors, 5xx and 429 are retried with doubling back-off", async () => {
  const answers = ["network-error", { status: 503, body: {} }, { status: 429, body: {} }];
  const env = fakeEnv({
    fetch: fakeFetch((req, events) => answers.shift() ?? { status: 200, body: { accepted: events.length, rejected: [] } }),
  });
  const c = client(env, { batchSize: 2, initialBackoffMs: 1000, maxBackoffMs: 3000 });
  c.track("view", "i1");
  c.track("view", "i2");
  await settle();
  assert.equal(env.fetch.calls.length, 1);
  // random() is 0.5: each delay is 3/4 of the doubling base, capped at maxBackoffMs.
  assert.deepEqual(env.clock.pending(), [750]);
  c.track("view", "i3");  // waits behind the back-off, does not jump the queue
  await env.clock.advance(750);
  assert.equal(env.fetch.calls.length, 2);
  assert.deepEqual(env.clock.pending(), [1500]);
  await env.clock.advance(1500);
  assert.equal(env.fetch.calls.length, 3);
  assert.deepEqual(env.clock.pending(), [2250]);
  await env.clock.advance(2250);
  assert.deepEqual(env.fetch.calls.slice(3).flatMap((r) => JSON.parse(r.body).map((e) => e.item_id)), ["i1", "i2", "i3"]);
  assert.deepEqual(c.stats(), { queued: 0, sent: 3, rejected: 0, dropped: 0 });
  assert.deepEqual(env.clock.pending(), []);
});

test("the browser coming online ends the back-off at once", async () => {
  let up = false;
  const env = fakeEnv({ fetch: fakeFetch((req, events) => (up ? { status: 200, body: { accepted: events.length } } : "network-error")) });
  const c = client(env, { batchSize: 1, initialBackoffMs: 60000 });
  c.track("view", "i1");
  await settle();
  up = true;
  env.window.dispatch("online");
  await settle();
  assert.equal(c.stats().sent, 1);
  assert.equal(env.fetch.calls.length, 2);
});

test("4xx answers are not retried and are reported", async () => {
  const env = fakeEnv({ fetch: fakeFetch(() => ({ status: 401, body: { error: { code: "unauthenticated" } } })) });
  const c = client(env, { batchSize: 2 });
  c.track("view", "i1");
  c.track("view", "i2");
  await env.clock.advance(600000);
  assert.equal(env.fetch.calls.length, 1);
  assert.deepEqual(c.stats(), { queued: 0, sent: 0, rejected: 2, dropped: 0 });
  assert.deepEqual(c.errors, ["batch of 2 events refused with HTTP 401"]);
});

test("events the server rejects in a 200 answer are counted, not retried", async () => {
  const env = fakeEnv({
    fetch: fakeFetch(() => ({ status: 200, body: { accepted: 1, rejected: [{ index: 1, field: "price", reason: "must be >= 0" }] } })),
  });
  const c = client(env, { batchSize: 2 });
  c.track("view", "i1");
  c.track("purchase", "i2", { price: -1 });
  await env.clock.advance(60000);
  assert.equal(env.fetch.calls.length, 1);
  assert.deepEqual(c.stats(), { queued: 0, sent: 1, rejected: 1, dropped: 0 });
  assert.deepEqual(c.errors, ["event 1 rejected: price must be >= 0"]);
});

test("the queue keeps the newest maxQueue events in localStorage and counts drops", async () => {
  const env = fakeEnv({ fetch: fakeFetch(() => "network-error") });
  const c = client(env, { batchSize: 100, maxQueue: 5 });
  for (let i = 0; i < 8; i++) c.track("view", `i${i}`);
  assert.deepEqual(storedQueue(env).map((e) => e.item_id), ["i3", "i4", "i5", "i6", "i7"]);
  assert.deepEqual(c.stats(), { queued: 5, sent: 0, rejected: 0, dropped: 3 });
  await env.clock.advance(5000);  // the flush fails: the events go back, still bounded
  c.track("view", "i8");
  assert.deepEqual(storedQueue(env).map((e) => e.item_id), ["i4", "i5", "i6", "i7", "i8"]);
  assert.equal(env.localStorage.getItem("nba.dropped"), "4");
});

test("a later page sends the queue an earlier page left in localStorage", async () => {
  const down = fakeEnv({ fetch: fakeFetch(() => "network-error") });
  const first = client(down, { batchSize: 2 });
  first.track("view", "i1");
  first.track("purchase", "i2");
  await settle();
  assert.equal(storedQueue(down).length, 2);

  const up = fakeEnv({ localStorage: down.localStorage, sessionStorage: down.sessionStorage });
  const second = client(up);
  await settle();
  assert.deepEqual(up.fetch.events().map((e) => e.item_id), ["i1", "i2"]);
  assert.equal(up.fetch.events()[0].user_id, first.userId);
  assert.equal(second.userId, first.userId);
  assert.equal(second.sessionId, first.sessionId);
  assert.equal(up.localStorage.getItem("nba.queue"), null);
});

test("nothing is sent or stored before consent; consent(true) sends the buffer", async () => {
  const env = fakeEnv();
  const c = client(env, { consentRequired: true, batchSize: 2 });
  c.track("view", "i1");
  c.track("view", "i2");
  c.track("view", "i3");
  await env.clock.advance(60000);
  env.document.visibilityState = "hidden";
  env.document.dispatch("visibilitychange");
  await settle();
  assert.equal(env.fetch.calls.length, 0);
  assert.equal(env.localStorage.map.size, 0);
  assert.equal(env.sessionStorage.map.size, 0);

  c.consent(true);
  await settle();
  assert.deepEqual(env.fetch.events().map((e) => e.item_id), ["i1", "i2", "i3"]);
  assert.equal(env.localStorage.getItem("nba.consent"), "granted");
  assert.equal(env.localStorage.getItem("nba.anonymous_id"), c.userId);

  const again = client(fakeEnv({ localStorage: env.localStorage }), { consentRequired: true });
  assert.equal(again.userId, c.userId);  // the stored consent holds on the next page
});

test("consent(false) discards the buffer and the ids and stops tracking", async () => {
  const env = fakeEnv();
  const c = client(env, { consentRequired: true });
  c.track("view", "i1");
  c.consent(false);
  c.track("view", "i2");
  await env.clock.advance(60000);
  assert.equal(env.fetch.calls.length, 0);
  assert.deepEqual([...env.localStorage.map.keys()], ["nba.consent"]);
  assert.equal(c.stats().queued, 0);
});

test("before consent, recommend sends the page's events as an anonymous sequence", async () => {
  const env = fakeEnv({ fetch: fakeFetch(() => ({ status: 200, body: { items: [], strategy: "fallback:popular" } })) });
  const c = client(env, { consentRequired: true });
  c.track("view", "i1");
  await c.recommend({ k: 3 });
  assert.equal(env.fetch.calls.length, 1);
  const req = env.fetch.calls[0];
  assert.equal(req.url, "http://nba.test/v1/recommendations");
  assert.equal(req.method, "POST");
  assert.deepEqual(JSON.parse(req.body), { sequence: [{ item_id: "i1", event_type: "view" }], k: 3 });
});

test("page hide sends every pending event at once and keeps them out of storage", async () => {
  const env = fakeEnv({ fetch: fakeFetch(() => new Promise(() => {})) });  // the page dies before any answer
  const c = client(env, { batchSize: 2, flushIntervalMs: 10000 });
  for (const id of ["i1", "i2", "i3", "i4", "i5"]) c.track("view", id);
  await settle();
  assert.equal(env.fetch.calls.length, 1);  // i1+i2; one request at a time keeps the order
  assert.equal(storedQueue(env).length, 5);
  env.window.dispatch("pagehide");
  assert.equal(env.fetch.calls.length, 3);  // synchronously, before the page goes
  assert.deepEqual(env.fetch.calls.slice(1).map((r) => JSON.parse(r.body).map((e) => e.item_id)), [["i3", "i4"], ["i5"]]);
  assert.ok(env.fetch.calls.every((r) => r.keepalive === true));
  assert.equal(env.localStorage.getItem("nba.queue"), null);
  assert.deepEqual(env.clock.pending(), []);
});

test("visibilitychange to hidden flushes; a failed hide flush is re-queued while the page lives", async () => {
  let up = false;
  const env = fakeEnv({ fetch: fakeFetch((req, events) => (up ? { status: 200, body: { accepted: events.length } } : "network-error")) });
  const c = client(env, { batchSize: 10 });
  c.track("view", "i1");
  env.document.visibilityState = "hidden";
  env.document.dispatch("visibilitychange");
  assert.equal(env.fetch.calls.length, 1);
  await settle();
  assert.deepEqual(storedQueue(env).map((e) => e.item_id), ["i1"]);  // failed: back in the queue
  c.track("view", "i2");
  env.window.dispatch("pagehide");  // in back-off: the queue stays in storage for the next page
  assert.equal(env.fetch.calls.length, 1);
  assert.deepEqual(storedQueue(env).map((e) => e.item_id), ["i1", "i2"]);
  env.document.visibilityState = "visible";
  env.document.dispatch("visibilitychange");
  up = true;
  await env.clock.advance(60000);
  assert.deepEqual(c.stats(), { queued: 0, sent: 2, rejected: 0, dropped: 0 });
});

test("identify keys later events by the user and links the anonymous id", async () => {
  const env = fakeEnv();
  const c = client(env, { batchSize: 1 });
  const anonymous = c.userId;
  c.track("view", "i1");
  c.identify("u42");
  c.track("purchase", "i1", { context: { order: "o1" } });
  await settle();
  const [before, after] = env.fetch.events();
  assert.equal(before.user_id, anonymous);
  assert.equal(before.context, undefined);
  assert.equal(after.user_id, "u42");
  assert.deepEqual(after.context, { anonymous_id: anonymous, order: "o1" });
  assert.equal(client(fakeEnv({ localStorage: env.localStorage })).userId, "u42");
});

test("recommend flushes pending events first and asks by user id", async () => {
  const env = fakeEnv({
    fetch: fakeFetch((req, events) =>
      req.url.includes("/v1/events")
        ? { status: 200, body: { accepted: events.length } }
        : { status: 200, body: { request_id: "r1", items: [{ item_id: "i9", score: 1, reason: "model" }], strategy: "model" } },
    ),
  });
  const c = client(env);
  c.track("view", "i1");
  const recs = await c.recommend({ k: 4, category: "tea & coffee" });
  assert.equal(env.fetch.calls[0].url, "http://nba.test/v1/events");
  const url = new URL(env.fetch.calls[1].url);
  assert.equal(url.pathname, "/v1/recommendations");
  assert.equal(url.searchParams.get("user_id"), c.userId);
  assert.equal(url.searchParams.get("k"), "4");
  assert.equal(url.searchParams.get("category"), "tea & coffee");
  assert.equal(env.fetch.calls[1].headers["X-API-Key"], "k1");
  assert.deepEqual(recs.items.map((i) => i.item_id), ["i9"]);
});

test("recommend fails with the server's status and message", async () => {
  const env = fakeEnv({ fetch: fakeFetch(() => ({ status: 400, body: { error: { message: "k must be an integer in 1..100" } } })) });
  const c = client(env);
  await assert.rejects(c.recommend({ k: 1000 }), { name: "RecommendError", status: 400, message: "recommendations: HTTP 400: k must be an integer in 1..100" });
});

test("init refuses a missing endpoint or key", () => {
  assert.throws(() => new NbaClient({ apiKey: "k" }), /endpoint/);
  assert.throws(() => new NbaClient({ endpoint: "" }), /apiKey/);
});
