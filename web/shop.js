// The demo shop's pages. Everything the engine learns comes through the SDK:
// views on product pages, clicks in lists and slots, add_to_cart, purchase.
import * as nba from "./sdk/index.js";

const $ = (selector) => document.querySelector(selector);
const money = (item) => `${item.price.toFixed(2)} ${item.currency || ""}`.trim();
const params = new URLSearchParams(location.search);

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "onclick") e.addEventListener("click", v);
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

// The synthetic catalogue has ids and categories, not names: make a label.
const title = (item) => `${item.category} ${item.id}`;
const hue = (text) => [...text].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 360, 7);
const tile = (item) => el("div", { class: "tile", style: `background:hsl(${hue(item.category)} 55% 48%)` }, item.category.slice(0, 2));

// The cart lives in this browser only: {item_id: quantity}.
const cart = {
  read: () => JSON.parse(localStorage.getItem("demo.cart") || "{}"),
  write(c) {
    localStorage.setItem("demo.cart", JSON.stringify(c));
    $("#cart-count").textContent = Object.values(c).reduce((a, b) => a + b, 0);
  },
};

async function getJson(path) {
  const res = await fetch(path);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

function consentBanner() {
  if (localStorage.getItem("nba.consent")) return;
  const decide = (granted) => () => {
    nba.consent(granted);
    $("#consent").remove();
  };
  document.body.append(
    el("div", { id: "consent" }, "Personalised recommendations use what you view and buy here.",
      el("button", { id: "consent-accept", onclick: decide(true) }, "Accept"),
      el("button", { id: "consent-decline", class: "secondary", onclick: decide(false) }, "Decline")),
  );
}

function slot(host, items, options) {
  return nba
    .renderSlot(host, {
      slot: host.dataset.slot,
      href: (r) => `product.html?id=${encodeURIComponent(r.item_id)}`,
      label: (r) => (items.has(r.item_id) ? `${title(items.get(r.item_id))} · ${money(items.get(r.item_id))}` : r.item_id),
      ...options,
    })
    .catch((err) => host.replaceChildren(el("p", { class: "muted" }, `Recommendations unavailable: ${err.message}`)));
}

function card(item, list) {
  return el("a", { class: "card", href: `product.html?id=${encodeURIComponent(item.id)}`, "data-item-id": item.id,
                   onclick: () => nba.track("click", item.id, { context: { list } }) },
    tile(item), el("div", {}, title(item)), el("div", { class: "price" }, money(item)));
}

function home(items) {
  slot($("#for-you"), items, { k: 6, title: "Recommended for you", emptyText: "Look around: recommendations appear as you browse." });
  const categories = [...new Set([...items.values()].map((i) => i.category))].sort();
  const show = (category) => {
    for (const b of $("#categories").children) b.classList.toggle("active", b.dataset.category === category);
    const shown = [...items.values()].filter((i) => !category || i.category === category).slice(0, 30);
    $("#products").replaceChildren(...shown.map((i) => card(i, category || "all")));
  };
  $("#categories").replaceChildren(
    el("button", { "data-category": "", onclick: () => show("") }, "all"),
    ...categories.map((c) => el("button", { "data-category": c, onclick: () => show(c) }, c)),
  );
  show(params.get("category") || "");
}

function product(items) {
  const item = items.get(params.get("id"));
  if (!item) {
    $("#product").replaceChildren(el("p", {}, "No such product."));
    return;
  }
  document.title = `${title(item)} · nba demo shop`;
  nba.track("view", item.id, { price: item.price });
  const add = () => {
    const c = cart.read();
    c[item.id] = (c[item.id] || 0) + 1;
    cart.write(c);
    nba.track("add_to_cart", item.id, { price: item.price, quantity: 1 });
    $("#added").textContent = "Added to your cart.";
  };
  $("#product").replaceChildren(
    tile(item),
    el("div", {}, el("h1", {}, title(item)), el("p", { class: "price" }, money(item)),
      el("p", { class: "muted" }, item.available ? "In stock" : "Out of stock"),
      el("button", { id: "add-to-cart", onclick: add }, "Add to cart"), el("p", { id: "added", class: "muted" })),
  );
  slot($("#next-best"), items, { k: 4, title: "Next best for you", exclude: [item.id] });
}

function checkout(items) {
  const render = () => {
    const lines = Object.entries(cart.read()).filter(([id]) => items.has(id));
    if (lines.length === 0) {
      $("#cart").replaceChildren(el("p", {}, "Your cart is empty."));
      return;
    }
    const total = lines.reduce((sum, [id, q]) => sum + items.get(id).price * q, 0);
    $("#cart").replaceChildren(
      el("table", {}, el("tr", {}, el("th", {}, "Product"), el("th", {}, "Quantity"), el("th", {}, "Price")),
        ...lines.map(([id, q]) => el("tr", { "data-item-id": id }, el("td", {}, title(items.get(id))), el("td", {}, String(q)),
                                     el("td", {}, money(items.get(id)))))),
      el("p", { class: "price" }, `Total ${total.toFixed(2)}`),
      el("button", { id: "purchase", onclick: () => buy(lines) }, "Buy now"),
    );
  };
  const buy = (lines) => {
    const order = `o-${Date.now()}`;
    for (const [id, q] of lines) nba.track("purchase", id, { price: items.get(id).price, quantity: q, context: { order } });
    cart.write({});
    $("#cart").replaceChildren(el("p", { class: "notice", id: "thanks" }, `Thank you! Order ${order} is on its way.`));
    slot($("#also-like"), items, { k: 6, title: "You may also like", exclude: lines.map(([id]) => id) });
  };
  render();
}

function showStatus() {
  const s = nba.stats();
  $("#status").textContent = `visitor ${client.userId} · events sent ${s.sent}, queued ${s.queued}, dropped ${s.dropped}`;
}

const config = await getJson("config.json");
const client = nba.init({ endpoint: config.endpoint, apiKey: config.api_key, consentRequired: true, flushIntervalMs: 1000, maxBackoffMs: 5000 });
const catalog = await getJson("catalog.json");
const items = new Map(
  catalog.items
    .filter((i) => i.active !== false && i.price > 0)
    .sort((a, b) => a.id.localeCompare(b.id, "en", { numeric: true }))
    .map((i) => [i.id, { ...i, available: i.in_stock !== false && i.stock !== 0 }]),
);
cart.write(cart.read());
consentBanner();
({ home, product, cart: checkout })[document.body.dataset.page](items);
showStatus();
setInterval(showStatus, 1000);
