import { Identity } from "./identity.js";
import { KEYS, read, readArray, remove, write } from "./storage.js";
// Chromium refuses keepalive requests beyond 64 KiB in flight per page.
const KEEPALIVE_BYTES = 60000;
export class Tracker {
    constructor(options, env) {
        var _a, _b, _c, _d, _e, _f, _g, _h, _j;
        this.options = options;
        this.env = env;
        this.inflight = new Set();
        this.hidden = false;
        this.flushTimer = null;
        this.retryTimer = null;
        this.failures = 0;
        this.draining = null;
        this.sent = 0;
        this.rejected = 0;
        this.batchSize = Math.max(1, (_a = options.batchSize) !== null && _a !== void 0 ? _a : 20);
        this.flushIntervalMs = (_b = options.flushIntervalMs) !== null && _b !== void 0 ? _b : 2000;
        this.maxQueue = Math.max(1, (_c = options.maxQueue) !== null && _c !== void 0 ? _c : 500);
        this.initialBackoffMs = (_d = options.initialBackoffMs) !== null && _d !== void 0 ? _d : 1000;
        this.maxBackoffMs = (_e = options.maxBackoffMs) !== null && _e !== void 0 ? _e : 30000;
        const stored = read(env.localStorage, KEYS.consent);
        this.consentState = !options.consentRequired ? "granted" : stored === "granted" || stored === "denied" ? stored : "unknown";
        this.identity = new Identity(env, options.userId);
        this.pending = this.consentState === "granted" ? readArray(env.localStorage, KEYS.queue) : [];
        this.dropped = Number((_f = read(env.localStorage, KEYS.dropped)) !== null && _f !== void 0 ? _f : 0) || 0;
        if (this.consentState === "granted")
            this.identity.persist();
        (_g = env.document) === null || _g === void 0 ? void 0 : _g.addEventListener("visibilitychange", () => {
            var _a;
            if (((_a = env.document) === null || _a === void 0 ? void 0 : _a.visibilityState) === "hidden")
                this.onHide();
            else
                this.hidden = false;
        });
        (_h = env.window) === null || _h === void 0 ? void 0 : _h.addEventListener("pagehide", () => this.onHide());
        (_j = env.window) === null || _j === void 0 ? void 0 : _j.addEventListener("online", () => this.retryNow());
        if (this.pending.length > 0)
            void this.flush();
    }
    track(type, itemId, props = {}) {
        if (this.consentState === "denied")
            return;
        const event = {
            user_id: this.identity.userId,
            item_id: itemId,
            event_type: type,
            timestamp: this.env.now(),
            session_id: this.identity.sessionId,
        };
        if (props.price !== undefined)
            event.price = props.price;
        if (props.quantity !== undefined)
            event.quantity = props.quantity;
        const context = this.identity.identified ? { anonymous_id: this.identity.anonymousId, ...props.context } : props.context;
        if (context !== undefined)
            event.context = context;
        this.pending.push(event);
        this.enforceBound();
        this.persist();
        if (this.pending.length >= this.batchSize)
            void this.flush();
        else
            this.scheduleFlush();
    }
    identify(userId) {
        this.identity.identify(userId);
        if (this.consentState === "granted")
            this.identity.persist();
    }
    // Records the visitor's choice. true sends what was tracked meanwhile;
    // false discards it and every stored id, and stops tracking.
    consent(granted) {
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
    pendingEvents() {
        return this.pending.slice();
    }
    get consentGiven() {
        return this.consentState === "granted";
    }
    // Sends everything pending, batch by batch; resolves when the queue is
    // empty or waits for a retry. Never rejects.
    flush() {
        if (!this.draining)
            this.draining = this.drain().finally(() => (this.draining = null));
        return this.draining;
    }
    stats() {
        let onNetwork = 0;
        for (const b of this.inflight)
            onNetwork += b.length;
        return { queued: this.pending.length + onNetwork, sent: this.sent, rejected: this.rejected, dropped: this.dropped };
    }
    get canSend() {
        return this.consentState === "granted" && this.retryTimer === null;
    }
    async drain() {
        this.clearFlushTimer();
        while (this.canSend && this.pending.length > 0) {
            const batch = this.pending.splice(0, this.batchSize);
            if ((await this.send(batch)) === "retry")
                return;
        }
    }
    onHide() {
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
            if (bytes > KEEPALIVE_BYTES)
                break;
            this.pending.splice(0, batch.length);
            void this.send(batch);
        }
        this.persist();
    }
    async send(batch) {
        this.inflight.add(batch);
        this.persist();
        const outcome = await this.post(batch);
        this.inflight.delete(batch);
        if (outcome === "retry") {
            this.pending.unshift(...batch);
            this.enforceBound();
            this.scheduleRetry();
        }
        else {
            this.failures = 0;
        }
        this.persist();
        return outcome;
    }
    async post(batch) {
        var _a, _b, _c, _d, _e, _f;
        let res;
        try {
            res = await this.env.fetch(this.options.endpoint + "/v1/events", {
                method: "POST",
                headers: { "Content-Type": "application/json", "X-API-Key": this.options.apiKey },
                body: JSON.stringify(batch),
                keepalive: true,
            });
        }
        catch {
            return "retry";
        }
        if (res.status === 429 || res.status >= 500)
            return "retry";
        let body = {};
        try {
            body = await res.json();
        }
        catch {
            // The page may be unloading; the status alone decides.
        }
        if (res.ok) {
            const refused = (_a = body.rejected) !== null && _a !== void 0 ? _a : [];
            this.sent += (_b = body.accepted) !== null && _b !== void 0 ? _b : batch.length - refused.length;
            this.rejected += refused.length;
            for (const r of refused)
                (_d = (_c = this.options).onError) === null || _d === void 0 ? void 0 : _d.call(_c, `event ${r.index} rejected: ${r.field} ${r.reason}`);
        }
        else {
            this.rejected += batch.length;
            (_f = (_e = this.options).onError) === null || _f === void 0 ? void 0 : _f.call(_e, `batch of ${batch.length} events refused with HTTP ${res.status}`);
        }
        return "done";
    }
    scheduleFlush() {
        if (this.flushTimer !== null || !this.canSend)
            return;
        this.flushTimer = this.env.setTimeout(() => {
            this.flushTimer = null;
            void this.flush();
        }, this.flushIntervalMs);
    }
    scheduleRetry() {
        if (this.retryTimer !== null)
            return;
        const base = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** this.failures);
        this.failures++;
        // Jitter in [base/2, base) keeps many pages from retrying in step.
        const delay = base / 2 + (base / 2) * this.env.random();
        this.retryTimer = this.env.setTimeout(() => {
            this.retryTimer = null;
            void this.flush();
        }, delay);
    }
    retryNow() {
        if (this.retryTimer === null)
            return;
        this.env.clearTimeout(this.retryTimer);
        this.retryTimer = null;
        void this.flush();
    }
    clearFlushTimer() {
        if (this.flushTimer === null)
            return;
        this.env.clearTimeout(this.flushTimer);
        this.flushTimer = null;
    }
    cancelTimers() {
        this.clearFlushTimer();
        if (this.retryTimer !== null)
            this.env.clearTimeout(this.retryTimer);
        this.retryTimer = null;
    }
    // Drops the oldest pending events beyond maxQueue (events on the network
    // count towards the bound but are not dropped).
    enforceBound() {
        let onNetwork = 0;
        for (const b of this.inflight)
            onNetwork += b.length;
        const excess = this.pending.length + onNetwork - this.maxQueue;
        if (excess <= 0)
            return;
        const n = Math.min(excess, this.pending.length);
        this.pending.splice(0, n);
        this.dropped += n;
        if (this.consentState === "granted")
            write(this.env.localStorage, KEYS.dropped, String(this.dropped));
    }
    // Mirrors the queue into localStorage: events on the network first (unless
    // the page is hidden: see the header), then the pending ones.
    persist() {
        if (this.consentState !== "granted")
            return;
        const queue = [];
        if (!this.hidden)
            for (const b of this.inflight)
                queue.push(...b);
        queue.push(...this.pending);
        if (queue.length === 0)
            remove(this.env.localStorage, KEYS.queue);
        else
            write(this.env.localStorage, KEYS.queue, JSON.stringify(queue));
    }
}
