/**
 * The dashboard at /ui, in a real browser (Debian's Chromium, headless, driven by playwright-core)
 * against a real hotfn holding an API token: the page comes without data or token, asks for the
 * token and keeps it in the tab's sessionStorage, never in a URL; a route is created, edited and
 * deleted through its forms (errors are the API's own messages); a call shows with its status, run
 * time and log; and the live chart moves, with the scaler's launch decisions, while a burst runs.
 * Screenshots go to a temp dir, removed afterwards unless HOTFN_KEEP_SCREENSHOTS=1.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchChromium } from "./helpers/browser.ts";
import { createRoute, eventually, img, invoke } from "./helpers/fixtures.ts";
import { ensureImages } from "./helpers/images.ts";
import { startServer, type TestServer } from "./helpers/server.ts";

const TOKEN = `ui-token-${crypto.randomUUID()}`;
const APP = "dash";
let s: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let shots: string;
/** every URL the page asked for, and whether its /v1 requests carried the token */
const requests: { url: string; authorization: string | undefined }[] = [];

beforeAll(async () => {
  await ensureImages();
  s = await startServer({ env: { HOTFN_API_TOKEN: TOKEN }, auth: TOKEN });
  shots = mkdtempSync(join(tmpdir(), "hotfn-ui-shots-"));
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on("request", (r) => requests.push({ url: r.url(), authorization: r.headers().authorization }));
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await s?.stop();
  if (process.env.HOTFN_KEEP_SCREENSHOTS === "1") console.log(`screenshots kept in ${shots}`);
  else if (shots) rmSync(shots, { recursive: true, force: true });
});

const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
const readout = (field: string) => page.locator(`.readout [data-field="${field}"]`);
/** The chart's latest figure of that name, as the page shows it. */
const n = async (field: string) => Number(await readout(field).textContent());
const samples = async () => Number(await page.locator(".live").getAttribute("data-samples"));
/** Waits (30 s at most, as Playwright's own waits) until `check` holds; fails the test if it never does. */
const until = async (check: () => Promise<boolean>) => expect(await eventually(check, 30_000)).toBe(true);

describe("the dashboard", () => {
  it("is served by hotfn itself, holds no data, and answers with its assets from the same server", async () => {
    await createRoute(s, "secret-app", "/hidden", { image: img("echo"), format: "http" });
    const res = await fetch(`${s.url}/ui`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).not.toContain("secret-app");
    // Every asset the page names is served by this server, none from anywhere else.
    const assets = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]!).filter((u) => !u.startsWith("#") && !u.startsWith("data:"));
    expect(assets.length).toBeGreaterThan(3);
    for (const a of assets) {
      expect(a.startsWith("/ui/assets/"), a).toBe(true);
      expect((await fetch(`${s.url}${a}`)).status, a).toBe(200);
    }
    // The API behind it still wants the token.
    expect((await fetch(`${s.url}/v1/timeline`)).status).toBe(401);
  });

  it("asks for the token, shows nothing without it, and keeps it in the tab's session only", async () => {
    await page.goto(`${s.url}/ui`);
    await page.locator("#banner").getByText("asks for its API token").waitFor();
    expect(await page.locator("#app-list").textContent()).not.toContain("secret-app");

    await page.locator("#token").fill("not-the-token-at-all");
    await page.locator("#login button[type=submit]").click();
    await page.locator("#banner").getByText("refused this token").waitFor();

    await page.locator("#token").fill(TOKEN);
    await page.locator("#login button[type=submit]").click();
    await page.locator("#app-list").getByText("secret-app").waitFor();
    expect(await page.locator("#banner").isHidden()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.getItem("hotfn.token"))).toBe(TOKEN);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    await shot("01-signed-in");

    // Another tab's session does not have it.
    const other = await context.browser()!.newContext();
    try {
      const p = await other.newPage();
      await p.goto(`${s.url}/ui`);
      await p.locator("#banner").getByText("asks for its API token").waitFor();
    } finally {
      await other.close();
    }
  });

  it("creates a route through the form, showing the API's own message for what it refuses", async () => {
    await page.goto(`${s.url}/ui#/new`);
    const form = page.locator("form.route-form");
    await form.locator("[name=app]").fill(APP);
    await form.locator("[name=path]").fill("/logger");
    await form.locator("[name=image]").fill(img("log"));
    await form.locator("[name=format]").selectOption("http");
    await form.locator("[name=memory]").fill("lots");
    await form.locator("[name=config]").fill("LOG_LINES=3");
    await form.locator("button[type=submit]").click();
    const refused = await s.json(`/v1/apps/${APP}/routes`, { method: "POST", body: { route: { path: "/logger", image: img("log"), format: "http", memory: "lots", config: { LOG_LINES: "3" } } } });
    expect(refused.status).toBe(400);
    await form.locator(".error").getByText(refused.body.error.message, { exact: true }).waitFor();
    await shot("02-form-error");

    await form.locator("[name=memory]").fill("64");
    await form.locator("button[type=submit]").click();
    await page.waitForURL(/#\/apps\/dash\/routes\/logger$/);
    await page.locator("h2.route-title").getByText("/logger").waitFor();
    const created = await s.json(`/v1/apps/${APP}/routes/logger`);
    expect(created.body.route).toMatchObject({ image: img("log"), format: "http", memory: 64, config: { LOG_LINES: "3" } });
    await page.locator("#app-list").getByText(APP).waitFor();
  });

  it("shows a call with its status and run time, and its log on a click", async () => {
    const called = await invoke(s, APP, "/logger");
    expect(called.status).toBe(200);
    const id = called.headers.get("fn-call-id")!;
    const row = page.locator(`.calls tr[data-id="${id}"]`);
    await row.locator(".status.success").waitFor();
    expect(await row.locator("td").nth(2).textContent()).toMatch(/^\d+(\.\d)? (ms|s)$/);
    await row.click();
    await page.locator(".log pre").getByText("log line 3").waitFor();
    expect(await page.locator(".log pre").textContent()).toBe("log line 1\nlog line 2\nlog line 3\n");
    await shot("03-call-log");
  });

  it("moves the live chart while a burst runs, with the launch decisions and their reasons", async () => {
    await createRoute(s, APP, "/burst", { image: img("sleep"), format: "http", memory: 64, config: { SLEEP_MS: "300" } });
    await page.goto(`${s.url}/ui#/apps/${APP}/routes/burst`);
    await page.locator(".live .plots canvas").first().waitFor();
    const before = await page.locator(".live .plots").screenshot();
    await page.locator(".decisions").getByText("No decision in the window yet").waitFor();

    // 24 callers at once, until the page has shown what it should (at most 1,000 calls).
    let seen = false;
    let sent = 0;
    const burst = (async () => {
      const statuses: number[] = [];
      await Promise.all(
        Array.from({ length: 24 }, async () => {
          while (!seen && sent++ < 1000) statuses.push((await invoke(s, APP, "/burst")).status);
        }),
      );
      return statuses;
    })();

    // During the burst: containers starting or busy, calls queueing, a launch and its rule.
    await until(async () => (await n("busy")) + (await n("starting")) > 0);
    await page.locator(".decisions li.launch").filter({ hasText: "no container" }).waitFor();
    await until(async () => (await n("calls")) > 0);
    await shot("04-burst-live");
    const during = await page.locator(".live .plots").screenshot({ path: join(shots, "05-chart-during-burst.png") });
    expect(Buffer.compare(before, during)).not.toBe(0);
    const samplesDuring = await samples();
    seen = true;

    const statuses = await burst;
    expect(sent).toBeLessThan(1000);
    expect(statuses.every((c) => c === 200)).toBe(true);
    // After it: the chart kept moving (more samples), and the containers are idle again.
    await until(async () => (await samples()) > samplesDuring);
    await until(async () => (await n("busy")) === 0);
    expect(Number(await readout("idle").textContent())).toBeGreaterThan(0);
    // What the page shows is what the API says.
    const api = (await s.json(`/v1/apps/${APP}/routes/burst/timeline`)).body.timeline;
    const launches = api.events.filter((e: { kind: string }) => e.kind === "launch").length;
    expect(launches).toBeGreaterThan(0);
    await until(async () => (await n("launches")) === launches);
    await shot("06-after-burst");
  });

  it("edits a route through its settings (the API's message when refused) and deletes it", async () => {
    await page.goto(`${s.url}/ui#/apps/${APP}/routes/logger`);
    await page.locator(".settings summary").click();
    const form = page.locator(".settings form");
    await form.locator("[name=timeout]").fill("0");
    await form.locator("button[type=submit]").click();
    const refused = await s.json(`/v1/apps/${APP}/routes/logger`, { method: "PATCH", body: { route: { timeout: 0 } } });
    expect(refused.status).toBe(400);
    await form.locator(".error").getByText(refused.body.error.message, { exact: true }).waitFor();

    await form.locator("[name=timeout]").fill("45");
    await form.locator("[name=config]").fill("LOG_LINES=5\nEXTRA=yes");
    await form.locator("button[type=submit]").click();
    await page.locator(".facts").getByText("timeout 45 s").waitFor();
    expect((await s.json(`/v1/apps/${APP}/routes/logger`)).body.route).toMatchObject({ timeout: 45, config: { LOG_LINES: "5", EXTRA: "yes" } });

    // Removing a config line removes the key (PATCH merges, so the form sends it empty).
    await page.locator(".settings summary").click();
    await page.locator(".settings form [name=config]").fill("LOG_LINES=5");
    await page.locator(".settings form button[type=submit]").click();
    const config = async () => (await s.json(`/v1/apps/${APP}/routes/logger`)).body.route.config;
    expect(await eventually(async () => !("EXTRA" in (await config())))).toBe(true);
    expect(await config()).toEqual({ LOG_LINES: "5" });

    await page.locator(".settings summary").click();
    const del = page.locator(".settings button.danger");
    await del.click();
    await del.getByText("Really delete /logger?").waitFor();
    await del.click();
    await page.waitForURL(/#\/apps\/dash$/);
    expect((await s.json(`/v1/apps/${APP}/routes/logger`)).status).toBe(404);
    await page.locator("table.routes").getByText("/burst").waitFor();
    expect(await page.locator("table.routes").textContent()).not.toContain("/logger");
  });

  it("never put the token in a URL, and sent it with every API request", () => {
    expect(requests.length).toBeGreaterThan(10);
    for (const r of requests) expect(r.url, r.url).not.toContain(TOKEN);
    const apiRequests = requests.filter((r) => new URL(r.url).pathname.startsWith("/v1/"));
    const withToken = apiRequests.filter((r) => r.authorization === `Bearer ${TOKEN}`);
    expect(withToken.length).toBeGreaterThan(10);
    // Only the first page loads (before the token was typed) and the wrong token's went without it.
    for (const r of apiRequests) expect([undefined, `Bearer ${TOKEN}`, "Bearer not-the-token-at-all"]).toContain(r.authorization);
    // Every request went to this hotfn: nothing from a CDN or anywhere else.
    for (const r of requests) expect(new URL(r.url).origin).toBe(new URL(s.url).origin);
  });
});
