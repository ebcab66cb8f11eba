// Resolves the page's globals once, so the rest of the SDK never touches
// `window` directly and runs under Node with fakes.
import type { Environment } from "./types.js";

// Storage that throws (Safari private mode, disabled cookies) counts as absent.
function usableStorage(get: () => Storage | undefined): Storage | undefined {
  try {
    const s = get();
    if (!s) return undefined;
    s.setItem("nba.probe", "1");
    s.removeItem("nba.probe");
    return s;
  } catch {
    return undefined;
  }
}

export function resolveEnvironment(overrides: Partial<Environment> = {}): Environment {
  const g = globalThis as any;
  return {
    fetch: overrides.fetch ?? ((input, init) => g.fetch(input, init)),
    localStorage: "localStorage" in overrides ? overrides.localStorage : usableStorage(() => g.localStorage),
    sessionStorage: "sessionStorage" in overrides ? overrides.sessionStorage : usableStorage(() => g.sessionStorage),
    document: "document" in overrides ? overrides.document : g.document,
    window: "window" in overrides ? overrides.window : g.window,
    setTimeout: overrides.setTimeout ?? ((fn, ms) => g.setTimeout(fn, ms)),
    clearTimeout: overrides.clearTimeout ?? ((h) => g.clearTimeout(h)),
    now: overrides.now ?? (() => Date.now()),
    random: overrides.random ?? Math.random,
  };
}

// A random id; crypto.randomUUID where the page is a secure context.
export function randomId(env: Environment): string {
  const c = (globalThis as any).crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  let s = "";
  for (let i = 0; i < 32; i++) s += Math.floor(env.random() * 16).toString(16);
  return s;
}
