// Fakes of the browser globals the SDK uses: storage, timers, fetch,
// document and window events. Time moves only when a test advances it.

export class FakeStorage {
  constructor() {
    this.map = new Map();
  }
  getItem(k) {
    return this.map.has(k) ? this.map.get(k) : null;
  }
  setItem(k, v) {
    this.map.set(k, String(v));
  }
  removeItem(k) {
    this.map.delete(k);
  }
}

export class FakeTarget {
  constructor() {
    this.listeners = new Map();
    this.visibilityState = "visible";
  }
  addEventListener(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, []);
    this.listeners.get(type).push(fn);
  }
  dispatch(type) {
    for (const fn of this.listeners.get(type) ?? []) fn({ type });
  }
}

export class FakeClock {
  constructor() {
    this.now = 1_700_000_000_000;
    this.timers = new Map();
    this.next = 1;
  }
  setTimeout(fn, ms) {
    const id = this.next++;
    this.timers.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(id) {
    this.timers.delete(id);
  }
  // Runs every timer due within `ms`, in time order, letting promises settle.
  async advance(ms) {
    const end = this.now + ms;
    for (;;) {
      await settle();
      let due = null;
      for (const [id, t] of this.timers) if (t.at <= end && (!due || t.at < due[1].at)) due = [id, t];
      if (!due) break;
      this.timers.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
    }
    this.now = end;
    await settle();
  }
  // The delays of the timers still pending, from now.
  pending() {
    return [...this.timers.values()].map((t) => t.at - this.now);
  }
}

export async function settle() {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

// A fetch that records each request and answers from `script`: a function
// (request) => {status, body} | "network-error". Default: 200 accepting all.
export function fakeFetch(script) {
  const calls = [];
  const fn = async (url, init = {}) => {
    const req = { url, method: init.method ?? "GET", headers: init.headers ?? {}, keepalive: init.keepalive, body: init.body };
    calls.push(req);
    const events = init.body ? JSON.parse(init.body) : null;
    const answer = script ? script(req, events) : { status: 200, body: { accepted: events?.length ?? 0, rejected: [] } };
    if (answer instanceof Promise) return answer;
    if (answer === "network-error") throw new TypeError("Failed to fetch");
    return {
      status: answer.status,
      ok: answer.status >= 200 && answer.status < 300,
      json: async () => answer.body,
    };
  };
  fn.calls = calls;
  fn.events = () => calls.filter((c) => c.url.endsWith("/v1/events")).flatMap((c) => JSON.parse(c.body));
  return fn;
}

// A full fake environment for NbaClient; fields may be overridden.
export function fakeEnv(overrides = {}) {
  const clock = new FakeClock();
  const env = {
    clock,
    fetch: fakeFetch(),
    localStorage: new FakeStorage(),
    sessionStorage: new FakeStorage(),
    document: new FakeTarget(),
    window: new FakeTarget(),
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    clearTimeout: (id) => clock.clearTimeout(id),
    now: () => clock.now,
    random: () => 0.5,
    ...overrides,
  };
  return env;
}
