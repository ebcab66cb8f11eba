// nba browser SDK. A page calls init() once, then track() as the visitor
// acts, and recommend() or renderSlot() where it shows recommendations:
//
//   import * as nba from "./nba/index.js";
//   nba.init({ endpoint: "https://nba.example.com", apiKey: "pk_..." });
//   nba.track("view", "sku-123");
//   nba.renderSlot(document.querySelector("#recs"), { k: 4, title: "For you" });
//
// The module-level functions act on one default client; NbaClient serves
// pages that need several (two engines, tests).
import type { Environment, EventType, InitOptions, Recommendations, RecommendOptions, Stats, TrackProps } from "./types.js";
import { resolveEnvironment } from "./environment.js";
import { fetchRecommendations } from "./recommend.js";
import { renderSlot as renderInto, type SlotOptions } from "./slot.js";
import { Tracker } from "./tracker.js";

export type * from "./types.js";
export type { SlotOptions } from "./slot.js";
export { RecommendError } from "./recommend.js";

// The server takes at most this many events in an anonymous sequence.
const MAX_SEQUENCE = 200;

export class NbaClient {
  private readonly tracker: Tracker;
  private readonly env: Environment;

  constructor(private readonly options: InitOptions) {
    if (typeof options.endpoint !== "string") throw new TypeError("nba: init needs an endpoint (\"\" for this origin)");
    if (!options.apiKey) throw new TypeError("nba: init needs an apiKey");
    this.options = { ...options, endpoint: options.endpoint.replace(/\/+$/, "") };
    this.env = resolveEnvironment(options.env);
    this.tracker = new Tracker(this.options, this.env);
  }

  get userId(): string {
    return this.tracker.identity.userId;
  }

  get sessionId(): string {
    return this.tracker.identity.sessionId;
  }

  track(type: EventType, itemId: string, props?: TrackProps): void {
    this.tracker.track(type, itemId, props);
  }

  // Later events carry `userId`, and context.anonymous_id to link the visits
  // made before the visitor logged in.
  identify(userId: string): void {
    this.tracker.identify(userId);
  }

  consent(granted: boolean): void {
    this.tracker.consent(granted);
  }

  flush(): Promise<void> {
    return this.tracker.flush();
  }

  stats(): Stats {
    return this.tracker.stats();
  }

  // Sends pending events first (unless the server is in back-off), so the
  // answer reflects what the visitor just did.
  async recommend(options: RecommendOptions = {}): Promise<Recommendations> {
    if (!this.tracker.consentGiven) {
      const sequence = this.tracker.pendingEvents().slice(-MAX_SEQUENCE);
      return fetchRecommendations(this.env, this.options.endpoint, this.options.apiKey, null, sequence, options);
    }
    await this.tracker.flush();
    return fetchRecommendations(this.env, this.options.endpoint, this.options.apiKey, this.userId, [], options);
  }

  renderSlot(element: HTMLElement, options?: SlotOptions): Promise<Recommendations> {
    return renderInto(this, element, options);
  }
}

let client: NbaClient | null = null;

function current(): NbaClient {
  if (!client) throw new Error("nba: call init() first");
  return client;
}

export function init(options: InitOptions): NbaClient {
  client = new NbaClient(options);
  return client;
}

export const track = (type: EventType, itemId: string, props?: TrackProps) => current().track(type, itemId, props);
export const identify = (userId: string) => current().identify(userId);
export const consent = (granted: boolean) => current().consent(granted);
export const flush = () => current().flush();
export const stats = () => current().stats();
export const recommend = (options?: RecommendOptions) => current().recommend(options);
export const renderSlot = (element: HTMLElement, options?: SlotOptions) => current().renderSlot(element, options);
