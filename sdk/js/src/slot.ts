// A recommendation slot: fetches recommendations into a titled list of
// links and reports what the visitor saw and chose:
//   impression: one "view" event per shown item, with context
//               {slot, request_id, position, impression: true}, once the
//               slot is on screen (IntersectionObserver; at render without it)
//   click:      a "click" event with context {slot, request_id, position}
import type { Recommendations, RecommendedItem } from "./types.js";

export interface SlotOptions {
  slot?: string;    // names the slot in the events' context (default "default")
  k?: number;
  category?: string;
  title?: string;   // heading above the list; none when absent
  exclude?: string[];  // item ids not to show (the product on the page)
  emptyText?: string;  // shown instead of the list when nothing is recommended
  href?: (item: RecommendedItem) => string;  // link target (default "#")
  label?: (item: RecommendedItem) => string; // link text (default the item id)
}

export interface SlotHost {
  recommend(options: { k?: number; category?: string }): Promise<Recommendations>;
  track(type: "view" | "click", itemId: string, props: { context: Record<string, unknown> }): void;
}

export async function renderSlot(host: SlotHost, element: HTMLElement, options: SlotOptions = {}): Promise<Recommendations> {
  const slot = options.slot ?? "default";
  const exclude = new Set(options.exclude ?? []);
  const k = options.k ?? 10;
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
    a.addEventListener("click", () =>
      host.track("click", item.item_id, { context: { slot, request_id: recs.request_id, position } }),
    );
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

  const reportImpressions = () =>
    recs.items.forEach((item, position) =>
      host.track("view", item.item_id, { context: { slot, request_id: recs.request_id, position, impression: true } }),
    );
  const Observer = (doc.defaultView as any)?.IntersectionObserver;
  if (!Observer || recs.items.length === 0) {
    if (recs.items.length > 0) reportImpressions();
    return recs;
  }
  const observer = new Observer((entries: IntersectionObserverEntry[]) => {
    if (!entries.some((e) => e.isIntersecting)) return;
    observer.disconnect();
    reportImpressions();
  });
  observer.observe(section);
  return recs;
}
