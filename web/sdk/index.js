import { resolveEnvironment } from "./environment.js";
import { fetchRecommendations } from "./recommend.js";
import { renderSlot as renderInto } from "./slot.js";
import { Tracker } from "./tracker.js";
export { RecommendError } from "./recommend.js";
// The server takes at most this many events in an anonymous sequence.
const MAX_SEQUENCE = 200;
export class NbaClient {
    constructor(options) {
        this.options = options;
        if (typeof options.endpoint !== "string")
            throw new TypeError("nba: init needs an endpoint (\"\" for this origin)");
        if (!options.apiKey)
            throw new TypeError("nba: init needs an apiKey");
        this.options = { ...options, endpoint: options.endpoint.replace(/\/+$/, "") };
        this.env = resolveEnvironment(options.env);
        this.tracker = new Tracker(this.options, this.env);
    }
    get userId() {
        return this.tracker.identity.userId;
    }
    get sessionId() {
        return this.tracker.identity.sessionId;
    }
    track(type, itemId, props) {
        this.tracker.track(type, itemId, props);
    }
    // Later events carry `userId`, and context.anonymous_id to link the visits
    // made before the visitor logged in.
    identify(userId) {
        this.tracker.identify(userId);
    }
    consent(granted) {
        this.tracker.consent(granted);
    }
    flush() {
        return this.tracker.flush();
    }
    stats() {
        return this.tracker.stats();
    }
    // Sends pending events first (unless the server is in back-off), so the
    // answer reflects what the visitor just did.
    async recommend(options = {}) {
        if (!this.tracker.consentGiven) {
            const sequence = this.tracker.pendingEvents().slice(-MAX_SEQUENCE);
            return fetchRecommendations(this.env, this.options.endpoint, this.options.apiKey, null, sequence, options);
        }
        await this.tracker.flush();
        return fetchRecommendations(this.env, this.options.endpoint, this.options.apiKey, this.userId, [], options);
    }
    renderSlot(element, options) {
        return renderInto(this, element, options);
    }
}
let client = null;
function current() {
    if (!client)
        throw new Error("nba: call init() first");
    return client;
}
export function init(options) {
    client = new NbaClient(options);
    return client;
}
export const track = (type, itemId, props) => current().track(type, itemId, props);
export const identify = (userId) => current().identify(userId);
export const consent = (granted) => current().consent(granted);
export const flush = () => current().flush();
export const stats = () => current().stats();
export const recommend = (options) => current().recommend(options);
export const renderSlot = (element, options) => current().renderSlot(element, options);
