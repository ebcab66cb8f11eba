export class RecommendError extends Error {
    constructor(message, status) {
        super(message);
        this.status = status;
        this.name = "RecommendError";
    }
}
export async function fetchRecommendations(env, endpoint, apiKey, userId, sequence, options) {
    var _a;
    const headers = { "X-API-Key": apiKey };
    let res;
    if (userId !== null) {
        const q = new URLSearchParams({ user_id: userId });
        if (options.k !== undefined)
            q.set("k", String(options.k));
        if (options.category)
            q.set("category", options.category);
        res = await env.fetch(`${endpoint}/v1/recommendations?${q}`, { headers });
    }
    else {
        const body = {
            sequence: sequence.map((e) => ({ item_id: e.item_id, event_type: e.event_type })),
        };
        if (options.k !== undefined)
            body.k = options.k;
        if (options.category)
            body.category = options.category;
        headers["Content-Type"] = "application/json";
        res = await env.fetch(`${endpoint}/v1/recommendations`, { method: "POST", headers, body: JSON.stringify(body) });
    }
    if (!res.ok) {
        let message = `HTTP ${res.status}`;
        try {
            const err = await res.json();
            if ((_a = err === null || err === void 0 ? void 0 : err.error) === null || _a === void 0 ? void 0 : _a.message)
                message += `: ${err.error.message}`;
        }
        catch {
            // Keep the status alone.
        }
        throw new RecommendError(`recommendations: ${message}`, res.status);
    }
    return (await res.json());
}
