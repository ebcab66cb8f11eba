// Key-value persistence over Web Storage that never throws: a full or
// disabled storage must not break the shop's page, it only costs durability.

export const KEYS = {
  anonymousId: "nba.anonymous_id",
  userId: "nba.user_id",
  sessionId: "nba.session_id",
  consent: "nba.consent",
  queue: "nba.queue",
  dropped: "nba.dropped",
} as const;

export function read(storage: Storage | undefined, key: string): string | null {
  try {
    return storage ? storage.getItem(key) : null;
  } catch {
    return null;
  }
}

export function write(storage: Storage | undefined, key: string, value: string): void {
  try {
    storage?.setItem(key, value);
  } catch {
    // Quota exceeded: the in-memory state is still right for this page.
  }
}

export function remove(storage: Storage | undefined, key: string): void {
  try {
    storage?.removeItem(key);
  } catch {
    // Nothing to do: the key stays until the storage works again.
  }
}

// The JSON array stored under `key`; [] when absent or unreadable.
export function readArray<T>(storage: Storage | undefined, key: string): T[] {
  const text = read(storage, key);
  if (!text) return [];
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}
