// Tracker: the event pipeline of one page.
//
//   track() -> pending queue (bounded, mirrored in localStorage)
//           -> batches of batchSize, sent when full or after flushIntervalMs
//           -> POST /v1/events with fetch({keepalive: true}) and X-API-Key
//   2xx: done (events the server lists as rejected are counted, not retried)
//   other 4xx: the batch is refused for good (retrying cannot help)
//   network error, 429, 5xx: the batch goes back to the head of the queue
//           and the queue waits initialBackoffMs, doubling to maxBackoffMs
//           (with jitter), or until the browser says it is online again.
//
// Page hide (visibilitychange to hidden, pagehide): every pending event is
// sent at once with keepalive fetches, which the browser completes after the
// page is gone. navigator.sendBeacon is not used: it cannot carry the
// X-API-Key header the server authenticates with. Events on the network at
// hide time are left out of localStorage, so the next page does not send
// them twice: they are delivered at most once; all others at least once.
import type { Environment, EventType, InitOptions, Stats, TrackProps, WireEvent } from "./types.js";
import { Identity } from "./identity.js";
import { KEYS, read, readArray, remove, write } from "./storage.js";

type Consent = "granted" | "denied" | "unknown";
type Outcome = "done" | "retry";

// Chromium refuses keepalive requests beyond 64 KiB in flight per page.
const KEEPALIVE_BYTES = 60000;

export class Tracker {
  readonly identity: Identity;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxQueue: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private consentState: Consent;
  private pending: WireEvent[];
  private readonly inflight = new Set<WireEvent[]>();
  private hidden = false;
  private flushTimer: unknown = null;
  private retryTimer: unknown = null;
  private failures = 0;
  private draining: Promise<void> | null = null;
  private sent = 0;
  private rejected = 0;
  private dropped: number;

  constructor(private readonly options: InitOptions, private readonly env: Environment) {
    this.batchSize = Math.max(1, options.batchSize ?? 20);
    this.flushIntervalMs = options.flushIntervalMs ?? 2000;
    this.maxQueue = Math.max(1, options.maxQueue ?? 500);
    this.initialBackoffMs = options.initialBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30000;
    const stored = read(env.localStorage, KEYS.consent);
    this.consentState = !options.consentRequired ? "granted" : stored === "granted" || stored === "denied" ? stored : "unknown";
    this.identity = new Identity(env, options.userId);
    this.pending = this.consentState === "granted" ? readArray<WireEvent>(env.localStorage, KEYS.queue) : [];
    this.dropped = Number(read(env.localStorage, KEYS.dropped) ?? 0) || 0;
    if (this.consentState === "granted") this.identity.persist();
    env.document?.addEventListener("visibilitychange", () => {
      if (env.document?.visibilityState === "hidden") this.onHide();
      else this.hidden = false;
    });
    env.window?.addEventListener("pagehide", () => this.onHide());
    env.window?.addEventListener("online", () => this.retryNow());
    if (this.pending.length > 0) void this.flush();
  }

  track(type: EventType, itemId: string, props: TrackProps = {}): void {
    if (this.consentState === "denied") return;
    const event: WireEvent = {
      user_id: this.identity.userId,
      item_id: itemId,
      event_type: type,
      timestamp: this.env.now(),
      session_id: this.identity.sessionId,
    };
    if (props.price !== undefined) event.price = props.price;
    if (props.quantity !== undefined) event.quantity = props.quantity;
    const context = this.identity.identified ? { anonymous_id: this.identity.anonymousId, ...props.context } : props.context;
    if (context !== undefined) event.context = context;
    this.pending.push(event);
    this.enforceBound();
    this.persist();
    if (this.pending.length >= this.batchSize) void this.flush();
    else this.scheduleFlush();
  }

  identify(userId: string): void {
    this.identity.identify(userId);
    if (this.consentState === "granted") this.identity.persist();
  }

  // Records the visitor's choice. true sends what was tracked meanwhile;
  // false discards it and every stored id, and stops tracking.
  consent(granted: boolean): void {
    this.consentState = granted ? "granted" : "denied";
    write(this.env.localStorage, KEYS.consent, this.consentState);
    if (granted) {
      this.identity.persist();
      this.persist();
      void this.flush();
      return;
    }
    this.pending = [];
    this.cancelTimers();
    this.identity.forget();
    remove(this.env.localStorage, KEYS.queue);
  }

  // Events not yet sent, oldest first (the anonymous sequence before consent).
  pendingEvents(): WireEvent[] {
    return this.pending.slice();
  }

  get consentGiven(): boolean {
    return this.consentState === "granted";
  }

  // Sends everything pending, batch by batch; resolves when the queue is
  // empty or waits for a retry. Never rejects.
  flush(): Promise<void> {
    if (!this.draining) this.draining = this.drain().finally(() => (this.draining = null));
    return this.draining;
  }

  stats(): Stats {
    let onNetwork = 0;
    for (const b of this.inflight) onNetwork += b.length;
    return { queued: this.pending.length + onNetwork, sent: this.sent, rejected: this.rejected, dropped: this.dropped };
  }

  private get canSend(): boolean {
    return this.consentState === "granted" && this.retryTimer === null;
  }

  private async drain(): Promise<void> {
    this.clearFlushTimer();
    while (this.canSend && this.pending.length > 0) {
      const batch = this.pending.splice(0, this.batchSize);
      if ((await this.send(batch)) === "retry") return;
    }
  }

  private onHide(): void {
    this.hidden = true;
    this.clearFlushTimer();
    if (!this.canSend) {
      this.persist();
      return;
    }
    let bytes = 0;
    while (this.pending.length > 0) {
      const batch = this.pending.slice(0, this.batchSize);
      bytes += JSON.stringify(batch).length;
      if (bytes > KEEPALIVE_BYTES) break;
      this.pending.splice(0, batch.length);
      void this.send(batch);
    }
    this.persist();
  }

  private async send(batch: WireEvent[]): Promise<Outcome> {
    this.inflight.add(batch);
    this.persist();
    const outcome = await this.post(batch);
    this.inflight.delete(batch);
    if (outcome === "retry") {
      this.pending.unshift(...batch);
      this.enforceBound();
      this.scheduleRetry();
    } else {
      this.failures = 0;
    }
    this.persist();
    return outcome;
  }

  private async post(batch: WireEvent[]): Promise<Outcome> {
    let res: Response;
    try {
      res = await this.env.fetch(this.options.endpoint + "/v1/events", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-API-Key": this.options.apiKey },
        body: JSON.stringify(batch),
        keepalive: true,
      });
    } catch {
      return "retry";
    }
    if (res.status === 429 || res.status >= 500) return "retry";
    let body: { accepted?: number; rejected?: { index: number; field: string; reason: string }[] } = {};
    try {
      body = await res.json();
    } catch {
      // The page may be unloading; the status alone decides.
    }
    if (res.ok) {
      const refused = body.rejected ?? [];
      this.sent += body.accepted ?? batch.length - refused.length;
      this.rejected += refused.length;
      for (const r of refused) this.options.onError?.(`event ${r.index} rejected: ${r.field} ${r.reason}`);
    } else {
      this.rejected += batch.length;
      this.options.onError?.(`batch of ${batch.length} events refused with HTTP ${res.status}`);
    }
    return "done";
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== null || !this.canSend) return;
    this.flushTimer = this.env.setTimeout(() => {
      this.flushTimer = null;
      void this.flush();
    }, this.flushIntervalMs);
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== null) return;
    const base = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** this.failures);
    this.failures++;
    // Jitter in [base/2, base) keeps many pages from retrying in step.
    const delay = base / 2 + (base / 2) * this.env.random();
    this.retryTimer = this.env.setTimeout(() => {
      this.retryTimer = null;
      void this.flush();
    }, delay);
  }

  private retryNow(): void {
    if (this.retryTimer === null) return;
    this.env.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    void this.flush();
  }

  private clearFlushTimer(): void {
    if (this.flushTimer === null) return;
    this.env.clearTimeout(this.flushTimer);
    this.flushTimer = null;
  }

  private cancelTimers(): void {
    this.clearFlushTimer();
    if (this.retryTimer !== null) this.env.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  // Drops the oldest pending events beyond maxQueue (events on the network
  // count towards the bound but are not dropped).
  private enforceBound(): void {
    let onNetwork = 0;
    for (const b of this.inflight) onNetwork += b.length;
    const excess = this.pending.length + onNetwork - this.maxQueue;
    if (excess <= 0) return;
    const n = Math.min(excess, this.pending.length);
    this.pending.splice(0, n);
    this.dropped += n;
    if (this.consentState === "granted") write(this.env.localStorage, KEYS.dropped, String(this.dropped));
  }

  // Mirrors the queue into localStorage: events on the network first (unless
  // the page is hidden: see the header), then the pending ones.
  private persist(): void {
    if (this.consentState !== "granted") return;
    const queue: WireEvent[] = [];
    if (!this.hidden) for (const b of this.inflight) queue.push(...b);
    queue.push(...this.pending);
    if (queue.length === 0) remove(this.env.localStorage, KEYS.queue);
    else write(this.env.localStorage, KEYS.queue, JSON.stringify(queue));
  }
}
