import { randomId } from "./environment.js";
import { KEYS, read, remove, write } from "./storage.js";
export class Identity {
    constructor(env, userId) {
        var _a, _b;
        this.env = env;
        this.anonymousId = (_a = read(env.localStorage, KEYS.anonymousId)) !== null && _a !== void 0 ? _a : "anon-" + randomId(env);
        this.sessionId = (_b = read(env.sessionStorage, KEYS.sessionId)) !== null && _b !== void 0 ? _b : "s-" + randomId(env);
        this.userId_ = userId !== null && userId !== void 0 ? userId : read(env.localStorage, KEYS.userId);
    }
    // The id events and recommendations are keyed by.
    get userId() {
        var _a;
        return (_a = this.userId_) !== null && _a !== void 0 ? _a : this.anonymousId;
    }
    get identified() {
        return this.userId_ !== null;
    }
    identify(userId) {
        this.userId_ = userId;
    }
    persist() {
        write(this.env.localStorage, KEYS.anonymousId, this.anonymousId);
        write(this.env.sessionStorage, KEYS.sessionId, this.sessionId);
        if (this.userId_ !== null)
            write(this.env.localStorage, KEYS.userId, this.userId_);
    }
    forget() {
        remove(this.env.localStorage, KEYS.anonymousId);
        remove(this.env.localStorage, KEYS.userId);
        remove(this.env.sessionStorage, KEYS.sessionId);
    }
}
