// Public types of the SDK: what a shop passes in and what it gets back.

export type EventType = "view" | "click" | "add_to_cart" | "purchase";

// Optional fields of one event, as POST /v1/events takes them.
export interface TrackProps {
  price?: number;
  quantity?: number;
  // Free-form JSON object, at most 4 KiB once serialised (the server's limit).
  context?: Record<string, unknown>;
}

// One event as it travels to the server.
export interface WireEvent {
  user_id: string;
  item_id: string;
  event_type: EventType;
  timestamp: number;
  session_id: string;
  price?: number;
  quantity?: number;
  context?: Record<string, unknown>;
}

export interface RecommendedItem {
  item_id: string;
  score: number;
  reason: string;
}

export interface Recommendations {
  request_id: string;
  user_id: string;
  items: RecommendedItem[];
  model_version: string;
  strategy: string;
  cached: boolean;
}

export interface RecommendOptions {
  k?: number;
  category?: string;
}

// What the SDK reads from the page's globals. Tests pass fakes; in a browser
// every field defaults to the real global.
export interface Environment {
  fetch: typeof fetch;
  localStorage?: Storage;
  sessionStorage?: Storage;
  document?: Pick<Document, "addEventListener" | "visibilityState">;
  window?: Pick<Window, "addEventListener">;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  now: () => number;
  random: () => number;
}

export interface InitOptions {
  endpoint: string;  // the engine's base URL: "https://nba.example.com" ("" for the page's own origin)
  apiKey: string;    // a key with the ingest and recommend scopes only: it is visible to every visitor
  userId?: string;   // the shop's id of a logged-in user; else an anonymous id is kept
  consentRequired?: boolean;  // when true, nothing is sent or stored before consent(true)
  batchSize?: number;         // events per request; a full batch is sent at once (default 20)
  flushIntervalMs?: number;   // a partial batch waits at most this long (default 2000)
  maxQueue?: number;          // events kept while the server is unreachable; oldest dropped beyond (default 500)
  initialBackoffMs?: number;  // first retry delay after a failure (default 1000)
  maxBackoffMs?: number;      // retry delays double up to this (default 30000)
  onError?: (message: string) => void;  // rejected events and refused batches
  env?: Partial<Environment>;
}

export interface Stats {
  queued: number;    // events waiting or on the network
  sent: number;      // events the server accepted
  rejected: number;  // events the server refused (4xx or listed as rejected): never retried
  dropped: number;   // events dropped because the queue was full (persisted across pages)
}
