export async function renderSlot(host, element, options = {}) {
    var _a, _b, _c, _d;
    const slot = (_a = options.slot) !== null && _a !== void 0 ? _a : "default";
    const exclude = new Set((_b = options.exclude) !== null && _b !== void 0 ? _b : []);
    const k = (_c = options.k) !== null && _c !== void 0 ? _c : 10;
    // Ask for more to make up for the excluded ones, within the server's maximum k of 100.
    const answer = await host.recommend({ k: Math.min(100, k + exclude.size), category: options.category });
    const recs = { ...answer, items: answer.items.filter((i) => !exclude.has(i.item_id)).slice(0, k) };
    const doc = element.ownerDocument;
    const section = doc.createElement("section");
    section.className = "nba-slot";
    section.dataset.requestId = recs.request_id;
    section.dataset.strategy = recs.strategy;
    if (options.title) {
        const h = doc.createElement("h2");
        h.textContent = options.title;
        section.appendChild(h);
    }
    const list = doc.createElement("ul");
    recs.items.forEach((item, position) => {
        const li = doc.createElement("li");
        const a = doc.createElement("a");
        a.href = options.href ? options.href(item) : "#";
        a.textContent = options.label ? options.label(item) : item.item_id;
        a.dataset.itemId = item.item_id;
        a.addEventListener("click", () => host.track("click", item.item_id, { context: { slot, request_id: recs.request_id, position } }));
        li.appendChild(a);
        list.appendChild(li);
    });
    section.appendChild(list);
    if (recs.items.length === 0 && options.emptyText) {
        const p = doc.createElement("p");
        p.className = "nba-empty";
        p.textContent = options.emptyText;
        section.appendChild(p);
    }
    element.replaceChildren(section);
    const reportImpressions = () => recs.items.forEach((item, position) => host.track("view", item.item_id, { context: { slot, request_id: recs.request_id, position, impression: true } }));
    const Observer = (_d = doc.defaultView) === null || _d === void 0 ? void 0 : _d.IntersectionObserver;
    if (!Observer || recs.items.length === 0) {
        if (recs.items.length > 0)
            reportImpressions();
        return recs;
    }
    const observer = new Observer((entries) => {
        if (!entries.some((e) => e.isIntersecting))
            return;
        observer.disconnect();
        reportImpressions();
    });
    observer.observe(section);
    return recs;
}
