// Storage that throws (Safari private mode, disabled cookies) counts as absent.
function usableStorage(get) {
    try {
        const s = get();
        if (!s)
            return undefined;
        s.setItem("nba.probe", "1");
        s.removeItem("nba.probe");
        return s;
    }
    catch {
        return undefined;
    }
}
export function resolveEnvironment(overrides = {}) {
    var _a, _b, _c, _d, _e;
    const g = globalThis;
    return {
        fetch: (_a = overrides.fetch) !== null && _a !== void 0 ? _a : ((input, init) => g.fetch(input, init)),
        localStorage: "localStorage" in overrides ? overrides.localStorage : usableStorage(() => g.localStorage),
        sessionStorage: "sessionStorage" in overrides ? overrides.sessionStorage : usableStorage(() => g.sessionStorage),
        document: "document" in overrides ? overrides.document : g.document,
        window: "window" in overrides ? overrides.window : g.window,
        setTimeout: (_b = overrides.setTimeout) !== null && _b !== void 0 ? _b : ((fn, ms) => g.setTimeout(fn, ms)),
        clearTimeout: (_c = overrides.clearTimeout) !== null && _c !== void 0 ? _c : ((h) => g.clearTimeout(h)),
        now: (_d = overrides.now) !== null && _d !== void 0 ? _d : (() => Date.now()),
        random: (_e = overrides.random) !== null && _e !== void 0 ? _e : Math.random,
    };
}
// A random id; crypto.randomUUID where the page is a secure context.
export function randomId(env) {
    const c = globalThis.crypto;
    if (c && typeof c.randomUUID === "function")
        return c.randomUUID();
    let s = "";
    for (let i = 0; i < 32; i++)
        s += Math.floor(env.random() * 16).toString(16);
    return s;
}
