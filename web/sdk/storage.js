// Key-value persistence over Web Storage that never throws: a full or
// disabled storage must not break the shop's page, it only costs durability.
export const KEYS = {
    anonymousId: "nba.anonymous_id",
    userId: "nba.user_id",
    sessionId: "nba.session_id",
    consent: "nba.consent",
    queue: "nba.queue",
    dropped: "nba.dropped",
};
export function read(storage, key) {
    try {
        return storage ? storage.getItem(key) : null;
    }
    catch {
        return null;
    }
}
export function write(storage, key, value) {
    try {
        storage === null || storage === void 0 ? void 0 : storage.setItem(key, value);
    }
    catch {
        // Quota exceeded: the in-memory state is still right for this page.
    }
}
export function remove(storage, key) {
    try {
        storage === null || storage === void 0 ? void 0 : storage.removeItem(key);
    }
    catch {
        // Nothing to do: the key stays until the storage works again.
    }
}
// The JSON array stored under `key`; [] when absent or unreadable.
export function readArray(storage, key) {
    const text = read(storage, key);
    if (!text)
        return [];
    try {
        const v = JSON.parse(text);
        return Array.isArray(v) ? v : [];
    }
    catch {
        return [];
    }
}
