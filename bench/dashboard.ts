/**
 * bench/dashboard: the dashboard's page load and responsiveness, in Debian's Chromium (headless,
 * playwright-core), against a hotfn holding 1,000 routes, first idle and then while 100 calls/s run.
 *   (a) page loads of /ui: each in a fresh browser context (nothing cached) and reloads of a warm one;
 *       HTML received, DOMContentLoaded, load, and "data shown" (the apps list filled from /v1)
 *   (b) the app page with 1,000 routes: the first 100 shown, then all 1,000 ("More routes" x 9)
 *   (c) a route's page for --seconds under the load: long tasks (>= 50 ms) on the page's main
 *       thread, frame gaps, a click's input-to-paint time (Event Timing), the chart's and calls'
 *       poll round trips, and the API's answer times for the dashboard's endpoints from outside
 * Prints one table per part. With --screenshot FILE, ends with a burst on a 300 ms function and
 * saves the route's page during it (the README's picture).
 *
 *   bun bench/dashboard.ts [--routes 1000] [--rate 100] [--hot 20] [--loads 20] [--seconds 30] [--screenshot docs/dashboard.png]
 */
import { parseArgs } from "node:util";
import type { Page } from "playwright-core";
import { launchChromium } from "../test/helpers/browser.ts";
import { ensureImages, FN_IMAGE } from "../test/helpers/images.ts";
import { percentile, startServer, table, type TestServer } from "./lib.ts";

const { values } = parseArgs({
  options: {
    routes: { type: "string", default: "1000" },
    rate: { type: "string", default: "100" },
    hot: { type: "string", default: "20" },
    loads: { type: "string", default: "20" },
    seconds: { type: "string", default: "30" },
    screenshot: { type: "string" },
  },
});
const ROUTES = Number(values.routes);
const RATE = Number(values.rate);
const HOT = Number(values.hot);
const LOADS = Number(values.loads);
const SECONDS = Number(values.seconds);
const TOKEN = `bench-${crypto.randomUUID()}`;
const APP = "bench";
const pad = (i: number) => String(i).padStart(4, "0");

/**
 * Installed before any page script (CDP, so the page's CSP does not apply): marks when the apps list
 * and a view first show data, and collects long tasks, frame gaps and event timings.
 */
const PROBE = `
window.__bench = { data: {}, longtasks: [], gaps: [], events: [] };
const b = window.__bench;
new MutationObserver(() => {
  if (b.data.apps === undefined && document.querySelector('#app-list li a')) b.data.apps = performance.now();
  if (b.data.view === undefined && document.querySelector('#view tbody tr td')) b.data.view = performance.now();
}).observe(document, { subtree: true, childList: true });
new PerformanceObserver((l) => { for (const e of l.getEntries()) b.longtasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });
new PerformanceObserver((l) => { for (const e of l.getEntries()) b.events.push({ name: e.name, duration: e.duration }); }).observe({ type: 'event', durationThreshold: 16, buffered: true });
let last = performance.now();
const frame = (t) => { b.gaps.push(t - last); last = t; requestAnimationFrame(frame); };
requestAnimationFrame(frame);
`;

interface Probe {
  data: { apps?: number; view?: number };
  longtasks: number[];
  gaps: number[];
  events: { name: string; duration: number }[];
}
const probe = async (page: Page) => JSON.parse((await page.evaluate("JSON.stringify(window.__bench)")) as string) as Probe;
const navigation = async (page: Page) =>
  JSON.parse((await page.evaluate("JSON.stringify(performance.getEntriesByType('navigation')[0])")) as string) as { responseEnd: number; domContentLoadedEventEnd: number; loadEventEnd: number };
const resources = async (page: Page) => JSON.parse((await page.evaluate("JSON.stringify(performance.getEntriesByType('resource').map((r) => ({ name: r.name, duration: r.duration })))")) as string) as { name: string; duration: number }[];

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return [percentile(s, 50), percentile(s, 95), s.at(-1) ?? Number.NaN];
};

/** Calls the hot routes round-robin at `rate` per second (open loop) until stopped. */
function load(s: TestServer, rate: number) {
  let sent = 0;
  let ok = 0;
  let failed = 0;
  const began = performance.now();
  const inFlight = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - began) / 1000) * rate);
    for (; sent < due; sent++) {
      const p = s
        .fetch(`/r/${APP}/fn-${pad(sent % HOT)}`, { method: "POST", body: "x" })
        .then(async (r) => {
          await r.arrayBuffer();
          if (r.ok) ok++;
          else failed++;
        })
        .catch(() => {
          failed++;
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  }, 5);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      return { sent, ok, failed, perS: sent / ((performance.now() - began) / 1000) };
    },
  };
}

await ensureImages();
const s = await startServer({ env: { HOTFN_API_TOKEN: TOKEN }, auth: TOKEN });
const browser = await launchChromium();
try {
  const began = performance.now();
  for (let i = 0; i < ROUTES; i += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, ROUTES - i) }, async (_, k) => {
        const r = await s.json(`/v1/apps/${APP}/routes`, { method: "POST", body: { route: { path: `/fn-${pad(i + k)}`, image: FN_IMAGE, format: "http", memory: 64, config: { MODE: "echo" } } } });
        if (r.status !== 200) throw new Error(`route ${i + k}: ${r.status} ${JSON.stringify(r.body)}`);
      }),
    );
  }
  console.log(`${ROUTES} routes created in ${((performance.now() - began) / 1000).toFixed(1)} s`);
  // Warm the hot routes (their first cold start is not what is measured here).
  await Promise.all(Array.from({ length: HOT }, (_, i) => s.fetch(`/r/${APP}/fn-${pad(i)}`, { method: "POST", body: "x" }).then((r) => r.arrayBuffer())));

  /** A context holding the token in its session, as after signing in. */
  const context = async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await ctx.addInitScript(`sessionStorage.setItem("hotfn.token", ${JSON.stringify(TOKEN)});`);
    await ctx.addInitScript(PROBE);
    return ctx;
  };

  // (a) page loads, idle and under load
  const loads: (string | number)[][] = [];
  const pageLoads = async (label: string) => {
    const cold: number[][] = [];
    for (let i = 0; i < LOADS; i++) {
      const ctx = await context();
      const page = await ctx.newPage();
      await page.goto(`${s.url}/ui`, { waitUntil: "load" });
      await page.locator("#app-list li a").first().waitFor();
      const nav = await navigation(page);
      cold.push([nav.responseEnd, nav.domContentLoadedEventEnd, nav.loadEventEnd, (await probe(page)).data.apps ?? Number.NaN]);
      await ctx.close();
    }
    const warm: number[][] = [];
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto(`${s.url}/ui`, { waitUntil: "load" });
    for (let i = 0; i < LOADS; i++) {
      await page.reload({ waitUntil: "load" });
      await page.locator("#app-list li a").first().waitFor();
      const nav = await navigation(page);
      warm.push([nav.responseEnd, nav.domContentLoadedEventEnd, nav.loadEventEnd, (await probe(page)).data.apps ?? Number.NaN]);
    }
    await ctx.close();
    for (const [kind, rows] of [
      ["fresh context", cold],
      ["warm reload", warm],
    ] as const) {
      const col = (j: number) => stats(rows.map((r) => r[j]!));
      const [html, dcl, loaded, data] = [col(0), col(1), col(2), col(3)];
      loads.push([label, kind, rows.length, ...html.slice(0, 2), ...dcl.slice(0, 2), ...loaded.slice(0, 2), ...data]);
    }
  };
  await pageLoads("idle");

  const traffic = load(s, RATE);
  await Bun.sleep(3000);
  await pageLoads(`${RATE} calls/s`);

  // (b) the app page with all its routes, under the load
  const big: (string | number)[][] = [];
  {
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto(`${s.url}/ui#/apps/${APP}`, { waitUntil: "load" });
    await page.locator("table.routes tbody tr").nth(99).waitFor();
    const first = (await probe(page)).data.view ?? Number.NaN;
    const more = page.locator("button", { hasText: "More routes" });
    const t1 = performance.now();
    for (let shown = 100; shown < ROUTES; shown += 100) {
      await more.click();
      await page.locator("table.routes tbody tr").nth(Math.min(ROUTES, shown + 100) - 1).waitFor();
    }
    const all = performance.now() - t1;
    const p = await probe(page);
    big.push(["first 100 routes shown (from navigation start)", first], [`all ${ROUTES} (9 more pages, clicks included)`, all], ["long tasks on the page (count)", p.longtasks.length], ["longest task, ms", Math.max(0, ...p.longtasks)]);
    await ctx.close();
  }

  // (c) a route's page, live, under the load
  const live: (string | number)[][] = [];
  const api: (string | number)[][] = [];
  {
    const ctx = await context();
    const page = await ctx.newPage();
    await page.goto(`${s.url}/ui#/apps/${APP}/routes/fn-0000`, { waitUntil: "load" });
    await page.locator(".live .plots canvas").first().waitFor();
    const summary = page.locator(".settings summary");
    const clickTimes: number[] = [];
    const until = performance.now() + SECONDS * 1000;
    while (performance.now() < until) {
      const t = performance.now();
      await summary.click();
      clickTimes.push(performance.now() - t);
      await Bun.sleep(1000);
    }
    const p = await probe(page);
    const res = await resources(page);
    const timelinePolls = res.filter((r) => r.name.includes("/timeline")).map((r) => r.duration);
    const callsPolls = res.filter((r) => r.name.includes("/calls/")).map((r) => r.duration);
    const clicks = p.events.filter((e) => e.name === "click" || e.name === "pointerup").map((e) => e.duration);
    const gaps = p.gaps.slice(5);
    live.push(
      ["seconds watched", SECONDS, "", ""],
      ["samples on the chart", Number(await page.locator(".live").getAttribute("data-samples")), "", ""],
      ["long tasks >= 50 ms (count)", p.longtasks.length, "", ""],
      ["long task ms (p50 / p95 / max)", ...(p.longtasks.length ? stats(p.longtasks) : ["-", "-", "-"])],
      ["frame gap ms (p50 / p95 / max)", ...stats(gaps)],
      ["frames later than 50 ms", gaps.filter((g) => g > 50).length, "", ""],
      ["click, Playwright's round trip ms (p50 / p95 / max)", ...stats(clickTimes)],
      [`click input-to-next-paint ms, Event Timing, ${clicks.length} entries of >= 16 ms (p50 / p95 / max)`, ...(clicks.length ? stats(clicks) : ["-", "-", "-"])],
      [`chart poll ms, ${timelinePolls.length} polls (p50 / p95 / max)`, ...stats(timelinePolls)],
      [`calls poll ms, ${callsPolls.length} polls (p50 / p95 / max)`, ...stats(callsPolls)],
    );
    await ctx.close();

    const timed = async (path: string) => {
      const xs: number[] = [];
      for (let i = 0; i < 50; i++) {
        const t = performance.now();
        await (await s.fetch(path)).arrayBuffer();
        xs.push(performance.now() - t);
      }
      return stats(xs);
    };
    for (const path of ["/ui", "/v1/timeline?limit=30", `/v1/apps/${APP}/routes/fn-0000/timeline`, `/v1/apps/${APP}/routes/fn-0000/timeline?since=${Date.now() - 2000}`, `/v1/apps/${APP}/routes?per_page=100`, `/v1/apps/${APP}/calls/fn-0000?per_page=25`]) {
      api.push([path, ...(await timed(path))]);
    }
  }
  const sent = await traffic.stop();

  console.log(`\n(a) page loads of /ui, ms from navigation start (${LOADS} each); the token is in the session, as after signing in`);
  console.log(table(["load", "kind", "n", "HTML p50", "HTML p95", "DCL p50", "DCL p95", "load p50", "load p95", "data p50", "data p95", "data max"], loads));
  console.log(`\n(b) the app page with ${ROUTES} routes, under ${RATE} calls/s, ms`);
  console.log(table(["what", "value"], big));
  console.log(`\n(c) a route's live page under ${RATE} calls/s`);
  console.log(table(["what", "p50 / value", "p95", "max"], live));
  console.log(`\n(c) the dashboard's endpoints from outside the browser under ${RATE} calls/s, 50 requests each, ms`);
  console.log(table(["GET", "p50", "p95", "max"], api));
  console.log(`\nload: ${sent.sent} calls sent (${sent.perS.toFixed(1)}/s achieved), ${sent.ok} ok, ${sent.failed} failed`);

  if (values.screenshot) await screenshot(s, values.screenshot, context);
} finally {
  await browser.close();
  await s.stop();
}

/** A burst on a 300 ms function, after a minute of steady calls, with its route's page open. */
async function screenshot(s: TestServer, file: string, context: () => Promise<import("playwright-core").BrowserContext>) {
  const r = await s.json(`/v1/apps/demo/routes`, { method: "POST", body: { route: { path: "/resize", image: FN_IMAGE, format: "http", memory: 64, idle_timeout: 20, config: { MODE: "sleep", SLEEP_MS: "300" } } } });
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  const call = () => s.fetch("/r/demo/resize", { method: "POST", body: "" }).then((x) => x.arrayBuffer());
  const steady = setInterval(() => void call(), 250);
  const ctx = await context();
  const page = await ctx.newPage();
  await page.goto(`${s.url}/ui#/apps/demo/routes/resize`, { waitUntil: "load" });
  await Bun.sleep(40_000);
  let stop = false;
  const burst = Promise.all(
    Array.from({ length: 30 }, async () => {
      for (let i = 0; i < 40 && !stop; i++) await call();
    }),
  );
  await Bun.sleep(6000);
  await page.locator(".live").screenshot({ path: file });
  stop = true;
  await burst;
  clearInterval(steady);
  await ctx.close();
  console.log(`\nscreenshot of the live chart during a burst: ${file}`);
}
