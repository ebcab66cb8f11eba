// Recommendations for the current visitor: GET /v1/recommendations keyed by
// the visitor's id, so the server answers from the events it holds. Without
// consent (when required) no id may leave the page: the events of this page
// are sent instead as an anonymous sequence (POST /v1/recommendations).
import type { Environment, Recommendations, RecommendOptions, WireEvent } from "./types.js";

export class RecommendError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
    this.name = "RecommendError";
  }
}

export async function fetchRecommendations(
  env: Environment,
  endpoint: string,
  apiKey: string,
  userId: string | null,
  sequence: WireEvent[],
  options: RecommendOptions,
): Promise<Recommendations> {
  const headers: Record<string, string> = { "X-API-Key": apiKey };
  let res: Response;
  if (userId !== null) {
    const q = new URLSearchParams({ user_id: userId });
    if (options.k !== undefined) q.set("k", String(options.k));
    if (options.category) q.set("category", options.category);
    res = await env.fetch(`${endpoint}/v1/recommendations?${q}`, { headers });
  } else {
    const body: Record<string, unknown> = {
      sequence: sequence.map((e) => ({ item_id: e.item_id, event_type: e.event_type })),
    };
    if (options.k !== undefined) body.k = options.k;
    if (options.category) body.category = options.category;
    headers["Content-Type"] = "application/json";
    res = await env.fetch(`${endpoint}/v1/recommendations`, { method: "POST", headers, body: JSON.stringify(body) });
  }
  if (!res.ok) {
    let message = `HTTP ${res.status}`;
    try {
      const err = await res.json();
      if (err?.error?.message) message += `: ${err.error.message}`;
    } catch {
      // Keep the status alone.
    }
    throw new RecommendError(`recommendations: ${message}`, res.status);
  }
  return (await res.json()) as Recommendations;
}
