// The demo shop in headless Chromium against a real `nba serve`: the SDK's
// consent gate, batching, keepalive flush on navigation, offline queue and
// recommendation slots, checked through the server's own API.
// Run by run.sh: node --test shop.test.mjs with NBA_BINARY set.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { NbaServer } from "./server.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const server = new NbaServer(process.env.NBA_BINARY);
const sent = [];  // every event the pages POSTed to /v1/events
let browser, page, visitor;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const slotItems = (host) => page.locator(`${host} .nba-slot a`).evaluateAll((as) => as.map((a) => a.dataset.itemId));
const queued = () => page.evaluate(() => JSON.parse(localStorage.getItem("nba.queue") || "[]"));
const sellable = () => server.items.filter((i) => i.active && i.price > 0);
const has = (events, type, item) => events.some((e) => e.event_type === type && e.item_id === item);

async function openProduct(id) {
  await page.goto(`${server.origin}/demo/product.html?id=${encodeURIComponent(id)}`);
  await page.locator("#product h1").waitFor();
}

async function addToCart() {
  await page.click("#add-to-cart");
  await page.locator("#added", { hasText: "Added" }).waitFor();
}

before(async () => {
  server.prepare();
  await server.writeConfig();
  await server.start();
  await server.loadCatalog();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--no-first-run"],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  context.on("request", (req) => {
    if (req.method() === "POST" && req.url().endsWith("/v1/events")) sent.push(...JSON.parse(req.postData()));
  });
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
  await server.kill("SIGTERM");
});

test("nba serve serves the demo shop at /demo", async () => {
  await page.goto(`${server.origin}/demo`);
  assert.equal(new URL(page.url()).pathname, "/demo/");
  await page.locator("#products .card").first().waitFor();
  assert.equal(await page.locator("#products .card").count(), 30);
  // A fresh server has seen no event yet: the slot may be empty, but it is there.
  await page.locator("#for-you .nba-slot").waitFor();
  assert.equal(await page.locator("#for-you h2").textContent(), "Recommended for you");
  assert.ok(await page.locator("#consent").isVisible());
});

test("nothing reaches the server before consent; consent sends what the visitor did", async () => {
  const card = page.locator("#products .card").nth(3);
  const item = await card.getAttribute("data-item-id");
  await card.click();
  await page.locator("#product h1").waitFor();
  visitor = (await page.locator("#status").textContent()).match(/visitor (\S+)/)[1];
  assert.match(visitor, /^anon-/);
  await page.locator("#next-best .nba-slot li").first().waitFor();  // answered from the anonymous sequence
  await sleep(1500);  // past the flush interval
  assert.deepEqual(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("nba."))), []);
  assert.deepEqual(sent, []);
  assert.deepEqual(await server.recent(visitor), []);

  await page.click("#consent-accept");
  await server.waitForEvents(visitor, (events) => has(events, "view", item));
  assert.equal(await page.evaluate(() => localStorage.getItem("nba.anonymous_id")), visitor);
});

test("browse, add to cart and purchase reach the server and change the recommendations", async () => {
  await page.goto(`${server.origin}/demo/`);
  await page.locator("#for-you .nba-slot li").first().waitFor();
  const before = await slotItems("#for-you");

  const card = page.locator("#products .card").nth(7);
  const first = await card.getAttribute("data-item-id");
  await card.click();
  await page.locator("#product h1").waitFor();
  await addToCart();
  const next = page.locator("#next-best .nba-slot a").first();
  const second = await next.getAttribute("data-item-id");
  await next.click();
  await page.waitForURL(/product\.html\?id=/);
  await page.locator("#product h1").waitFor();
  await addToCart();
  assert.notEqual(second, first, "the next-best slot leaves out the product on the page");
  await page.click(".cart-link");
  await page.locator("#cart table").waitFor();
  assert.deepEqual(await page.locator("#cart tr[data-item-id]").evaluateAll((rows) => rows.map((r) => r.dataset.itemId)),
                   [first, second]);
  await page.click("#purchase");
  await page.locator("#thanks").waitFor();

  const events = await server.waitForEvents(visitor, (e) => has(e, "purchase", first) && has(e, "purchase", second));
  for (const item of [first, second]) {
    assert.ok(has(events, "view", item), `view of ${item}`);
    assert.ok(has(events, "click", item), `click on ${item}`);
    assert.ok(has(events, "add_to_cart", item), `add_to_cart of ${item}`);
  }
  const user = await server.api("GET", `/v1/users/${visitor}`);
  assert.ok(user.body.purchased.includes(first) && user.body.purchased.includes(second));

  await page.goto(`${server.origin}/demo/`);
  await page.locator("#for-you .nba-slot li").first().waitFor();
  const afterwards = await slotItems("#for-you");
  assert.notDeepEqual(afterwards, before);
  assert.equal(await page.locator("#for-you .nba-slot").getAttribute("data-strategy"), "model");
  assert.ok(!afterwards.includes(first) && !afterwards.includes(second), "purchased items are not offered again");
});

test("a recommendation slot reports its impressions and clicks", async () => {
  const requestId = await page.locator("#for-you .nba-slot").getAttribute("data-request-id");
  const shown = await slotItems("#for-you");
  await sleep(1500);
  const impressions = sent.filter((e) => e.context?.impression && e.context.request_id === requestId);
  assert.deepEqual(impressions.map((e) => e.item_id), shown);
  assert.ok(impressions.every((e, i) => e.event_type === "view" && e.context.slot === "home_for_you" && e.context.position === i));
  // Stay on the page, so the click goes out in a regular batch that the
  // test sees (leaving the page is the next test's matter).
  const link = page.locator("#for-you .nba-slot a").nth(1);
  await link.evaluate((a) => a.addEventListener("click", (e) => e.preventDefault()));
  await link.click();
  await sleep(1500);
  const click = sent.find((e) => e.event_type === "click" && e.context?.request_id === requestId);
  assert.deepEqual(click && { item: click.item_id, slot: click.context.slot, position: click.context.position },
                   { item: shown[1], slot: "home_for_you", position: 1 });
  await server.waitForEvents(visitor, (e) => has(e, "click", shown[1]));
});

test("leaving the page sends the queued events with keepalive", async () => {
  const item = sellable()[11].id;
  await openProduct(item);
  await sleep(1500);
  await addToCart();
  assert.ok(has(await queued(), "add_to_cart", item), "the event still waits in the queue");
  await page.goto("about:blank");  // another origin: no later page of the shop could send it
  await server.waitForEvents(visitor, (e) => has(e, "add_to_cart", item));
});

test("with the server down, events wait in localStorage and arrive when it is back", async () => {
  const item = sellable()[12].id;
  await openProduct(item);
  await sleep(1500);
  await server.kill();
  await addToCart();
  await sleep(2500);  // the flush failed: the event is back in the queue, in back-off
  assert.ok(has(await queued(), "add_to_cart", item));
  assert.ok(await page.evaluate(() => localStorage.getItem("nba.queue") !== null));
  await server.start();
  await server.waitForEvents(visitor, (e) => has(e, "add_to_cart", item), 20000);
  await page.waitForFunction(() => localStorage.getItem("nba.queue") === null);  // acknowledged, so off the queue
});

test("a page opened later sends the queue a page left behind while the server was down", async () => {
  const item = sellable()[13].id;
  await openProduct(item);
  await sleep(1500);
  await server.kill();
  await addToCart();
  await sleep(2500);
  assert.ok(has(await queued(), "add_to_cart", item));
  await page.goto("about:blank");
  await server.start();
  assert.ok(!has(await server.recent(visitor), "add_to_cart", item));
  await page.goto(`${server.origin}/demo/`);
  await server.waitForEvents(visitor, (e) => has(e, "add_to_cart", item));
  // Acknowledged events survived both kills.
  const events = await server.recent(visitor);
  assert.ok(events.some((e) => e.event_type === "purchase"));
});

test("screenshot of the demo shop", async () => {
  await page.goto(`${server.origin}/demo/`);
  await page.locator("#for-you .nba-slot li").first().waitFor();
  await page.locator("#products .card").first().waitFor();
  // Into a temporary folder, so a test run leaves the checkout clean;
  // NBA_SCREENSHOT_DIR=docs refreshes docs/demo-shop.png.
  const dir = process.env.NBA_SCREENSHOT_DIR ? join(root, process.env.NBA_SCREENSHOT_DIR) : tmpdir();
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "demo-shop.png");
  await page.screenshot({ path });
  assert.ok(statSync(path).size > 10000, "the screenshot shows a rendered page");
});
