/**
 * /v1/apps/{app}/routes over real HTTP: create (creating the app), get/patch/delete with paths that
 * contain slashes, validation of every field, PATCH merges, paging — up to 10,000 routes in one app.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MACHINE_MEMORY_MIB } from "../src/config.ts";
import { createLogger } from "../src/log.ts";
import { ROUTE_FORMATS } from "../src/model.ts";
import { openStore } from "../src/store/index.ts";
import { startServer, type TestServer } from "./helpers/server.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.stop();
});

let seq = 0;
const freshApp = () => `rapp-${++seq}`;
const createRoute = (app: string, route: unknown) => s.json(`/v1/apps/${app}/routes`, { method: "POST", body: { route } });

describe("POST /v1/apps/{app}/routes", () => {
  it("creates the app when it is missing, and the route with defaults", async () => {
    const app = freshApp();
    expect((await s.json(`/v1/apps/${app}`)).status).toBe(404);
    const res = await createRoute(app, { path: "/hello", image: "busybox:latest" });
    expect(res.status).toBe(200);
    expect(res.body.message).toBe("Route successfully created");
    expect(res.body.route).toMatchObject({
      app_name: app,
      path: "/hello",
      image: "busybox:latest",
      type: "sync",
      format: "default",
      memory: 128,
      timeout: 30,
      idle_timeout: 30,
      headers: {},
      config: {},
    });
    const created = await s.json(`/v1/apps/${app}`);
    expect(created.status).toBe(200);
    expect(created.body.app).toMatchObject({ name: app, config: {} });
  });

  it("keeps every field it is given", async () => {
    const app = freshApp();
    const route = {
      path: "/users/:id/orders",
      image: "registry.local:5000/team/fn@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      type: "async",
      format: "http-stream",
      memory: 256,
      timeout: 3600,
      idle_timeout: 1,
      headers: { "X-One": "1", "X-Two": ["a", "b"] },
      config: { DB_URL: "x", "api-key": "y" },
    };
    const res = await createRoute(app, route);
    expect(res.status).toBe(200);
    expect(res.body.route).toMatchObject({ ...route, headers: { "X-One": ["1"], "X-Two": ["a", "b"] } });
    expect((await s.json(`/v1/apps/${app}/routes/users/:id/orders`)).body.route).toEqual(res.body.route);
  });

  it("takes every format", async () => {
    const app = freshApp();
    for (const format of ROUTE_FORMATS) {
      const res = await createRoute(app, { path: `/f-${format}`, image: "busybox", format });
      expect(res.status, format).toBe(200);
      expect(res.body.route.format).toBe(format);
    }
  });

  it("answers 409 for a path the app already has; the same path in another app is fine", async () => {
    const app = freshApp();
    expect((await createRoute(app, { path: "/dup", image: "a" })).status).toBe(200);
    const again = await createRoute(app, { path: "/dup", image: "b" });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain("/dup");
    expect((await s.json(`/v1/apps/${app}/routes/dup`)).body.route.image).toBe("a");
    expect((await createRoute(freshApp(), { path: "/dup", image: "b" })).status).toBe(200);
  });

  it("refuses an app name in the URL that is not valid, naming app", async () => {
    const res = await createRoute("bad.name", { path: "/x", image: "busybox" });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^Invalid app name: app: /);
  });

  it.each([
    ["with no leading /", "hello"],
    ["with ..", "/a/../b"],
    ["with a . segment", "/a/./b"],
    ["with an empty segment", "/a//b"],
    ["with a trailing /", "/a/"],
    ["that is only /", "/"],
    ["with a space", "/a b"],
    ["with a query", "/a?b=1"],
    ["with a parameter twice", "/:id/x/:id"],
    ["with a bad parameter name", "/:1x"],
    ["that is not a string", 5],
    ["that is missing", undefined],
  ])("refuses a path %s: 400 naming route.path", async (_, path) => {
    const res = await createRoute(freshApp(), { path, image: "busybox" });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain("route.path");
  });

  it("takes :param segments and nested paths", async () => {
    const app = freshApp();
    for (const path of ["/:id", "/a/:b/c/:d_e", "/v1.2/x-y/z_~"]) {
      expect((await createRoute(app, { path, image: "busybox" })).status, path).toBe(200);
    }
  });

  it.each([
    ["image missing", "route.image", { image: undefined }],
    ["image empty", "route.image", { image: "" }],
    ["image with spaces", "route.image", { image: "bad image" }],
    ["type unknown", "route.type", { type: "batch" }],
    ["format unknown", "route.format", { format: "xml" }],
    ["memory zero", "route.memory", { memory: 0 }],
    ["memory negative", "route.memory", { memory: -5 }],
    ["memory fractional", "route.memory", { memory: 1.5 }],
    ["memory a string", "route.memory", { memory: "128" }],
    ["memory above the machine", "route.memory", { memory: MACHINE_MEMORY_MIB + 1 }],
    ["timeout zero", "route.timeout", { timeout: 0 }],
    ["timeout above 3600", "route.timeout", { timeout: 3601 }],
    ["timeout fractional", "route.timeout", { timeout: 2.5 }],
    ["idle_timeout zero", "route.idle_timeout", { idle_timeout: 0 }],
    ["idle_timeout above 3600", "route.idle_timeout", { idle_timeout: 3601 }],
    ["config key not an env var name", "route.config", { config: { "1A": "x" } }],
    ["config key with a dot", "route.config", { config: { "a.b": "x" } }],
    ["config value not a string", "route.config", { config: { A: 1 } }],
    ["header name not a token", "route.headers", { headers: { "X Bad": "1" } }],
    ["header value with a newline", "route.headers", { headers: { "X-A": "a\r\nInjected: 1" } }],
  ])("refuses %s: 400 naming %s", async (_, field, change) => {
    const res = await createRoute(freshApp(), { path: "/x", image: "busybox", ...change });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(field);
  });

  it("takes memory up to what hotfn may reserve (HOTFN_MAX_MEMORY, machine memory less a margin by default) and timeouts of 1 and 3600", async () => {
    const app = freshApp();
    const budget = Math.max(256, MACHINE_MEMORY_MIB - 1024);
    expect((await createRoute(app, { path: "/m", image: "b", memory: budget })).status).toBe(200);
    expect((await createRoute(app, { path: "/mm", image: "b", memory: 6 })).status).toBe(200);
    // More than hotfn may ever reserve could never start: refused now rather than failing every call.
    const over = await createRoute(app, { path: "/m2", image: "b", memory: budget + 1 });
    expect(over.status).toBe(400);
    expect(over.body.error.message).toContain("route.memory");
    expect(over.body.error.message).toContain("HOTFN_MAX_MEMORY");
    expect((await createRoute(app, { path: "/m3", image: "b", memory: 5 })).status).toBe(400);
    expect((await createRoute(app, { path: "/t", image: "b", timeout: 1, idle_timeout: 3600 })).status).toBe(200);
  });

  it("does not create the app when the route is refused", async () => {
    const app = freshApp();
    expect((await createRoute(app, { path: "/x" })).status).toBe(400);
    expect((await s.json(`/v1/apps/${app}`)).status).toBe(404);
  });

  it("answers 415 and 400 for bodies that are not JSON", async () => {
    const app = freshApp();
    expect((await s.json(`/v1/apps/${app}/routes`, { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" })).status).toBe(415);
    expect((await s.json(`/v1/apps/${app}/routes`, { method: "POST", body: "{" })).status).toBe(400);
    expect((await s.json(`/v1/apps/${app}/routes`, { method: "POST", body: { app: {} } })).status).toBe(400);
  });
});

describe("routes whose paths contain slashes", () => {
  it("gets, patches and deletes /v1/apps/a/routes/x/y", async () => {
    const app = freshApp();
    await createRoute(app, { path: "/x/y", image: "one" });
    await createRoute(app, { path: "/x", image: "parent" });
    const got = await s.json(`/v1/apps/${app}/routes/x/y`);
    expect(got.status).toBe(200);
    expect(got.body.route).toMatchObject({ path: "/x/y", image: "one" });
    expect((await s.json(`/v1/apps/${app}/routes/x`)).body.route.image).toBe("parent");

    const patched = await s.json(`/v1/apps/${app}/routes/x/y`, { method: "PATCH", body: { route: { image: "two" } } });
    expect(patched.status).toBe(200);
    expect(patched.body.route).toMatchObject({ path: "/x/y", image: "two" });

    expect((await s.json(`/v1/apps/${app}/routes/x/y`, { method: "DELETE" })).status).toBe(200);
    expect((await s.json(`/v1/apps/${app}/routes/x/y`)).status).toBe(404);
    expect((await s.json(`/v1/apps/${app}/routes/x`)).status).toBe(200);
  });

  it("finds a :param route by its pattern", async () => {
    const app = freshApp();
    await createRoute(app, { path: "/users/:id", image: "u" });
    expect((await s.json(`/v1/apps/${app}/routes/users/:id`)).body.route.path).toBe("/users/:id");
    // The management API names routes by their pattern, not by a path the pattern matches.
    expect((await s.json(`/v1/apps/${app}/routes/users/42`)).status).toBe(404);
  });
});

describe("GET /v1/apps/{app}/routes/{route}", () => {
  it("answers 404 naming the route for a missing route, and the app for a missing app", async () => {
    const app = freshApp();
    await createRoute(app, { path: "/here", image: "b" });
    const route = await s.json(`/v1/apps/${app}/routes/not-here`);
    expect(route.status).toBe(404);
    expect(route.body.error.message).toContain("/not-here");
    const noApp = await s.json("/v1/apps/no-app-here/routes/here");
    expect(noApp.status).toBe(404);
    expect(noApp.body.error.message).toContain("no-app-here");
  });
});

describe("PATCH /v1/apps/{app}/routes/{route}", () => {
  it("merges config and headers (empty values remove keys) and changes only what it is given", async () => {
    const app = freshApp();
    await createRoute(app, {
      path: "/p",
      image: "img:1",
      memory: 64,
      config: { KEEP: "k", CHANGE: "old", DROP: "d" },
      headers: { "X-Keep": ["k"], "X-Change": ["old"], "X-Drop": ["d"] },
    });
    const res = await s.json(`/v1/apps/${app}/routes/p`, {
      method: "PATCH",
      body: { route: { config: { CHANGE: "new", DROP: "", ADD: "a" }, headers: { "X-Change": "new", "X-Drop": "", "X-Add": ["1", "2"] } } },
    });
    expect(res.status).toBe(200);
    expect(res.body.message).toBe("Route successfully updated");
    expect(res.body.route.config).toEqual({ KEEP: "k", CHANGE: "new", ADD: "a" });
    expect(res.body.route.headers).toEqual({ "X-Keep": ["k"], "X-Change": ["new"], "X-Add": ["1", "2"] });
    expect(res.body.route).toMatchObject({ image: "img:1", memory: 64, format: "default", type: "sync" });
    expect((await s.json(`/v1/apps/${app}/routes/p`)).body.route).toEqual(res.body.route);
  });

  it("changes scalar fields", async () => {
    const app = freshApp();
    await createRoute(app, { path: "/s", image: "a" });
    const res = await s.json(`/v1/apps/${app}/routes/s`, {
      method: "PATCH",
      body: { route: { image: "b:2", type: "async", format: "json", memory: 512, timeout: 60, idle_timeout: 120 } },
    });
    expect(res.status).toBe(200);
    expect(res.body.route).toMatchObject({ path: "/s", image: "b:2", type: "async", format: "json", memory: 512, timeout: 60, idle_timeout: 120 });
  });

  it("refuses to change the path (400) and accepts the same path", async () => {
    const app = freshApp();
    await createRoute(app, { path: "/ro/x", image: "a" });
    const moved = await s.json(`/v1/apps/${app}/routes/ro/x`, { method: "PATCH", body: { route: { path: "/elsewhere" } } });
    expect(moved.status).toBe(400);
    expect(moved.body.error).toEqual({ message: "Could not update route - path is immutable: route.path is read-only", fields: "route.path" });
    expect((await s.json(`/v1/apps/${app}/routes/elsewhere`)).status).toBe(404);
    const same = await s.json(`/v1/apps/${app}/routes/ro/x`, { method: "PATCH", body: { route: { path: "/ro/x", memory: 100 } } });
    expect(same.status).toBe(200);
    expect(same.body.route.memory).toBe(100);
  });

  it("validates every field as create does", async () => {
    const app = freshApp();
    await createRoute(app, { path: "/v", image: "a" });
    for (const [change, field] of [
      [{ memory: 0 }, "route.memory"],
      [{ timeout: 4000 }, "route.timeout"],
      [{ format: "soap" }, "route.format"],
      [{ type: "later" }, "route.type"],
      [{ config: { "b c": "1" } }, "route.config"],
    ] as const) {
      const res = await s.json(`/v1/apps/${app}/routes/v`, { method: "PATCH", body: { route: change } });
      expect(res.status, JSON.stringify(change)).toBe(400);
      expect(res.body.error.message).toContain(field);
    }
    expect((await s.json(`/v1/apps/${app}/routes/v`)).body.route.memory).toBe(128);
  });

  it("answers 404 for a missing route or app, and never creates either", async () => {
    const app = freshApp();
    await createRoute(app, { path: "/exists", image: "a" });
    expect((await s.json(`/v1/apps/${app}/routes/missing`, { method: "PATCH", body: { route: { image: "x" } } })).status).toBe(404);
    expect((await s.json(`/v1/apps/${app}/routes/missing`)).status).toBe(404);
    expect((await s.json("/v1/apps/patch-no-app/routes/x", { method: "PATCH", body: { route: { image: "x" } } })).status).toBe(404);
    expect((await s.json("/v1/apps/patch-no-app")).status).toBe(404);
  });

  it("answers 415 and 400 for bodies that are not JSON", async () => {
    const app = freshApp();
    await createRoute(app, { path: "/j", image: "a" });
    expect((await s.json(`/v1/apps/${app}/routes/j`, { method: "PATCH", headers: { "content-type": "text/csv" }, body: "a,b" })).status).toBe(415);
    expect((await s.json(`/v1/apps/${app}/routes/j`, { method: "PATCH", body: "not json" })).status).toBe(400);
  });
});

describe("DELETE /v1/apps/{app}/routes/{route}", () => {
  it("deletes the route; a second delete is 404; the app stays", async () => {
    const app = freshApp();
    await createRoute(app, { path: "/gone", image: "a" });
    const res = await s.json(`/v1/apps/${app}/routes/gone`, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(res.body.message).toBe("Route successfully deleted");
    expect((await s.json(`/v1/apps/${app}/routes/gone`, { method: "DELETE" })).status).toBe(404);
    expect((await s.json(`/v1/apps/${app}`)).status).toBe(200);
    expect((await s.json("/v1/apps/del-no-app/routes/gone", { method: "DELETE" })).status).toBe(404);
  });
});

describe("GET /v1/apps/{app}/routes", () => {
  it("lists an app's routes by path, only that app's, and [] for an app without routes", async () => {
    const app = freshApp();
    for (const path of ["/c", "/a", "/b/x"]) await createRoute(app, { path, image: "i" });
    await createRoute(freshApp(), { path: "/other", image: "i" });
    const res = await s.json(`/v1/apps/${app}/routes`);
    expect(res.status).toBe(200);
    expect(res.body.routes.map((r: { path: string }) => r.path)).toEqual(["/a", "/b/x", "/c"]);
    expect(res.body.next_cursor).toBeUndefined();

    const empty = freshApp();
    await s.json("/v1/apps", { method: "POST", body: { app: { name: empty } } });
    expect((await s.json(`/v1/apps/${empty}/routes`)).body).toEqual({ routes: [] });
  });

  it("answers 404 for an app that does not exist", async () => {
    const res = await s.json("/v1/apps/list-no-app/routes");
    expect(res.status).toBe(404);
    expect(res.body.error.message).toContain("list-no-app");
  });

  it("refuses per_page 101 and a bad cursor with 400", async () => {
    const app = freshApp();
    await createRoute(app, { path: "/x", image: "i" });
    expect((await s.json(`/v1/apps/${app}/routes?per_page=101`)).status).toBe(400);
    const bad = await s.json(`/v1/apps/${app}/routes?cursor=garbage`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("cursor");
  });
});

describe("an app with 10,000 routes", () => {
  const ROUTES = 10_000;
  let big: TestServer;
  let dir: string;

  beforeAll(async () => {
    // Written through the store in-process (one route per batch, as the API writes them), then served.
    dir = mkdtempSync(join(tmpdir(), "hotfn-10k-"));
    const store = await openStore({ url: `file:${join(dir, "hotfn.db")}`, log: createLogger("silent") });
    const base = { appName: "big", image: "busybox", type: "sync", format: "default", memory: 128, timeout: 30, idleTimeout: 30, user: "", headers: {}, config: {} } as const;
    for (let i = 0; i < ROUTES; i++) await store.routes.create({ ...base, path: `/fn/${String(i).padStart(5, "0")}` });
    await store.close();
    big = await startServer({ dir });
  }, 120_000);
  afterAll(async () => {
    await big?.stop();
    const { rmSync } = await import("node:fs");
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers a page of 30 with a cursor, and the cursor leads to the next 30", async () => {
    const first = await big.json("/v1/apps/big/routes");
    expect(first.status).toBe(200);
    expect(first.body.routes.map((r: { path: string }) => r.path)).toEqual(Array.from({ length: 30 }, (_, i) => `/fn/${String(i).padStart(5, "0")}`));
    const second = await big.json(`/v1/apps/big/routes?cursor=${encodeURIComponent(first.body.next_cursor)}`);
    expect(second.body.routes).toHaveLength(30);
    expect(second.body.routes[0].path).toBe("/fn/00030");
  });

  it("walks all 10,000 with per_page=100, each exactly once, in order", async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await big.json(`/v1/apps/big/routes?per_page=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(page.status).toBe(200);
      expect(page.body.routes.length).toBeLessThanOrEqual(100);
      for (const r of page.body.routes) seen.push(r.path);
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(ROUTES / 100);
    expect(seen).toHaveLength(ROUTES);
    expect(new Set(seen).size).toBe(ROUTES);
    expect(seen).toEqual([...seen].sort());
  });
});
