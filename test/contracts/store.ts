/**
 * The store contract: what every Store implementation must do, whatever database is behind it. Run by
 * test/store.test.ts for a libSQL file, for `:memory:` and for PostgreSQL. What must hold when
 * several processes share a database is test/contracts/shared-store.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import { Conflict, Invalid, NotFound } from "../../src/errors.ts";
import type { Store } from "../../src/store/index.ts";
import type { NewRoute } from "../../src/store/routes.ts";

/** A route with the store's defaults; `extra` overrides any field. */
export const route = (appName: string, path: string, extra: Partial<NewRoute> = {}): NewRoute => ({
  appName,
  path,
  image: "busybox",
  type: "sync",
  format: "default",
  memory: 128,
  timeout: 30,
  idleTimeout: 30,
  user: "",
  headers: {},
  config: {},
  ...extra,
});

/** Walks a paged list to its end; fails on a page larger than asked or a repeated key. */
async function walk<T>(list: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>, perPage: number, key: (t: T) => string) {
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await list(cursor);
    expect(page.items.length).toBeLessThanOrEqual(perPage);
    seen.push(...page.items.map(key));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  expect(new Set(seen).size).toBe(seen.length);
  return seen;
}

export function storeContract(name: string, makeStore: () => Promise<Store>) {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });

    describe("apps", () => {
      it("creates, gets, and refuses a duplicate with Conflict", async () => {
        const a = await store.apps.create("a", { K: "v" });
        expect(a).toMatchObject({ name: "a", config: { K: "v" } });
        expect(a.createdAt).toBeInstanceOf(Date);
        expect(await store.apps.get("a")).toEqual(a);
        await expect(store.apps.create("a", {})).rejects.toBeInstanceOf(Conflict);
      });

      it("throws NotFound for a missing app on get, update and delete", async () => {
        await expect(store.apps.get("nope")).rejects.toBeInstanceOf(NotFound);
        await expect(store.apps.update("nope", { config: { A: "1" } })).rejects.toBeInstanceOf(NotFound);
        await expect(store.apps.delete("nope")).rejects.toBeInstanceOf(NotFound);
      });

      it("merges config on update: empty values remove keys", async () => {
        await store.apps.create("m", { KEEP: "1", DROP: "2", SET: "old" });
        const u = await store.apps.update("m", { config: { DROP: "", SET: "new", ADD: "3" } });
        expect(u.config).toEqual({ KEEP: "1", SET: "new", ADD: "3" });
        expect((await store.apps.get("m")).config).toEqual(u.config);
      });

      it("drops empty values on create", async () => {
        expect((await store.apps.create("e", { A: "", B: "b" })).config).toEqual({ B: "b" });
      });

      it("lists by name, paged with a cursor, every app exactly once", async () => {
        const names = Array.from({ length: 23 }, (_, i) => `app-${String(i).padStart(2, "0")}`).reverse();
        for (const n of names) await store.apps.create(n, {});
        const first = await store.apps.list({ perPage: 10 });
        expect(first.items.map((a) => a.name)).toEqual(names.slice().sort().slice(0, 10));
        expect(first.nextCursor).not.toBeNull();
        const all = await walk((cursor) => store.apps.list({ perPage: 10, cursor }), 10, (a) => a.name);
        expect(all).toEqual(names.slice().sort());
        // A page that ends exactly at the last row has no next cursor.
        expect((await store.apps.list({ perPage: 23 })).nextCursor).toBeNull();
      });

      it("refuses a cursor it did not hand out with Invalid", async () => {
        await expect(store.apps.list({ perPage: 10, cursor: "garbage" })).rejects.toBeInstanceOf(Invalid);
      });

      it("deletes an app without routes, refuses one with routes (Invalid)", async () => {
        await store.routes.create(route("busy", "/r"));
        await expect(store.apps.delete("busy")).rejects.toBeInstanceOf(Invalid);
        await store.routes.delete("busy", "/r");
        await store.apps.delete("busy");
        await expect(store.apps.get("busy")).rejects.toBeInstanceOf(NotFound);
      });
    });

    describe("routes", () => {
      it("creates the app when missing, in the same write", async () => {
        const r = await store.routes.create(route("new-app", "/x/y", { config: { A: "1" }, headers: { "X-H": ["v"] } }));
        expect(r).toMatchObject({ appName: "new-app", path: "/x/y", config: { A: "1" }, headers: { "X-H": ["v"] } });
        expect((await store.apps.get("new-app")).config).toEqual({});
        expect(await store.routes.get("new-app", "/x/y")).toEqual(r);
      });

      it("adds a route to an existing app without touching the app", async () => {
        await store.apps.create("keep", { A: "1" });
        await store.routes.create(route("keep", "/r"));
        expect((await store.apps.get("keep")).config).toEqual({ A: "1" });
      });

      it("refuses a duplicate path with Conflict", async () => {
        await store.routes.create(route("d", "/r", { image: "first" }));
        await expect(store.routes.create(route("d", "/r", { image: "second" }))).rejects.toBeInstanceOf(Conflict);
        expect((await store.routes.get("d", "/r")).image).toBe("first");
      });

      it("throws NotFound for a missing route or app", async () => {
        await store.apps.create("has", {});
        await expect(store.routes.get("has", "/nope")).rejects.toBeInstanceOf(NotFound);
        await expect(store.routes.get("no-app", "/nope")).rejects.toBeInstanceOf(NotFound);
        await expect(store.routes.update("has", "/nope", { image: "x" })).rejects.toBeInstanceOf(NotFound);
        await expect(store.routes.delete("has", "/nope")).rejects.toBeInstanceOf(NotFound);
        await expect(store.routes.list("no-app", { perPage: 10 })).rejects.toBeInstanceOf(NotFound);
      });

      it("merges config and headers on update; empty values remove keys; other fields change as given", async () => {
        await store.routes.create(route("u", "/r", { config: { A: "1", B: "2" }, headers: { "X-A": ["1"], "X-B": ["2"] } }));
        const r = await store.routes.update("u", "/r", { memory: 256, config: { B: "", C: "3" }, headers: { "X-A": [""], "X-C": ["3", "4"] } });
        expect(r).toMatchObject({ memory: 256, image: "busybox", config: { A: "1", C: "3" }, headers: { "X-B": ["2"], "X-C": ["3", "4"] } });
        expect(r.updatedAt.getTime()).toBeGreaterThanOrEqual(r.createdAt.getTime());
      });

      it("lists an app's routes by path, paged, and an empty list for an app without routes", async () => {
        const paths = Array.from({ length: 25 }, (_, i) => `/p/${String(i).padStart(2, "0")}`).reverse();
        for (const p of paths) await store.routes.create(route("l", p));
        await store.routes.create(route("other", "/p/99"));
        const all = await walk((cursor) => store.routes.list("l", { perPage: 7, cursor }), 7, (r) => r.path);
        expect(all).toEqual(paths.slice().sort());
        expect((await store.routes.allOf("l")).length).toBe(25);
        await store.apps.create("empty", {});
        expect(await store.routes.list("empty", { perPage: 30 })).toEqual({ items: [], nextCursor: null });
      });

      it("announces every write on the change feed", async () => {
        const seen: string[] = [];
        const off = store.changes.on((c) => seen.push(`${c.kind} ${c.appName} ${c.path ?? ""}`.trim()));
        await store.routes.create(route("feed", "/r"));
        await store.routes.update("feed", "/r", { image: "x" });
        await store.routes.delete("feed", "/r");
        await store.apps.update("feed", { config: { A: "1" } });
        await store.apps.delete("feed");
        off();
        await store.apps.create("after", {});
        // The route's write created its app too: both are announced, the app first.
        expect(seen).toEqual(["created feed", "created feed /r", "updated feed /r", "deleted feed /r", "updated feed", "deleted feed"]);
      });
    });

    describe("route cache", () => {
      it("resolves exact paths before patterns and binds parameters", async () => {
        await store.routes.create(route("c", "/users/:id"));
        await store.routes.create(route("c", "/users/me", { image: "me" }));
        await store.routes.create(route("c", "/users/:id/posts/:post"));
        expect((await store.routeCache.resolve("c", "/users/me")).route.image).toBe("me");
        const p = await store.routeCache.resolve("c", "/users/42");
        expect(p.route.path).toBe("/users/:id");
        expect(p.params).toEqual({ id: "42" });
        expect((await store.routeCache.resolve("c", "/users/a%20b/posts/7")).params).toEqual({ id: "a b", post: "7" });
        await expect(store.routeCache.resolve("c", "/nothing")).rejects.toBeInstanceOf(NotFound);
        await expect(store.routeCache.resolve("no-app", "/x")).rejects.toBeInstanceOf(NotFound);
      });

      it("sees route and app writes at once", async () => {
        await store.routes.create(route("w", "/r", { image: "v1" }));
        expect((await store.routeCache.resolve("w", "/r")).route.image).toBe("v1");
        await store.routes.update("w", "/r", { image: "v2" });
        expect((await store.routeCache.resolve("w", "/r")).route.image).toBe("v2");
        await store.apps.update("w", { config: { A: "1" } });
        expect((await store.routeCache.resolve("w", "/r")).app.config).toEqual({ A: "1" });
        await store.routes.delete("w", "/r");
        await expect(store.routeCache.resolve("w", "/r")).rejects.toBeInstanceOf(NotFound);
        // An app created after a miss is found: misses are not cached.
        await expect(store.routeCache.resolve("later", "/r")).rejects.toBeInstanceOf(NotFound);
        await store.routes.create(route("later", "/r"));
        expect((await store.routeCache.resolve("later", "/r")).route.path).toBe("/r");
      });
    });

    describe("nodes", () => {
      it("gives a node name to one process at a time, takes its own back, and frees it on a clean leave", async () => {
        expect(await store.nodes.take("n", "p1", 60_000)).toBeNull();
        expect(await store.nodes.take("n", "p1", 60_000)).toBeNull();
        expect((await store.nodes.take("n", "p2", 60_000))?.instance).toBe("p1");
        expect(await store.nodes.beat("n", "p1")).toBe(true);
        expect(await store.nodes.beat("n", "p2")).toBe(false);
        await store.nodes.leave("n", "p2");
        expect((await store.nodes.take("n", "p2", 60_000))?.instance).toBe("p1");
        await store.nodes.leave("n", "p1");
        expect(await store.nodes.take("n", "p2", 60_000)).toBeNull();
      });

      it("lets a name whose heartbeat lapsed be taken, and reaps only lapsed nodes", async () => {
        await store.nodes.take("old", "p1", 60_000);
        await store.nodes.take("dead", "p2", 60_000);
        await Bun.sleep(400);
        expect(await store.nodes.take("old", "p3", 200)).toBeNull();
        expect(await store.nodes.beat("old", "p1")).toBe(false);
        expect(await store.nodes.reap(200)).toEqual([{ name: "dead", instance: "p2" }]);
        expect(await store.nodes.reap(200)).toEqual([]);
        expect(await store.nodes.beat("old", "p3")).toBe(true);
      });
    });

    describe("calls", () => {
      it("throws NotFound for a call that does not exist, and lists none for a new route", async () => {
        await expect(store.calls.get("nope")).rejects.toBeInstanceOf(NotFound);
        await expect(store.calls.log("nope")).rejects.toBeInstanceOf(NotFound);
        expect(await store.calls.list("a", "/r", { perPage: 30 })).toEqual({ items: [], nextCursor: null });
      });

      it("keeps what the recorder writes: status, times, log; lists newest first, paged and filtered", async () => {
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) {
          const id = Bun.randomUUIDv7();
          ids.push(id);
          const now = new Date();
          store.recorder.started({ id, appName: "a", path: "/r", createdAt: now, startedAt: now });
          store.recorder.finished(id, { status: i === 4 ? "error" : "success", startedAt: now, completedAt: new Date(), error: i === 4 ? "exit 3" : null, log: `line ${i}\n` });
        }
        await store.recorder.flush();
        const call = await store.calls.get(ids[0]!);
        expect(call).toMatchObject({ id: ids[0], appName: "a", path: "/r", status: "success", error: null, attempts: 1 });
        expect(call.completedAt).toBeInstanceOf(Date);
        expect(await store.calls.log(ids[0]!)).toBe("line 0\n");
        expect((await store.calls.get(ids[4]!)).error).toBe("exit 3");

        const newestFirst = await walk((cursor) => store.calls.list("a", "/r", { perPage: 2, cursor }), 2, (c) => c.id);
        expect(newestFirst).toEqual(ids.slice().reverse());
        const errors = await store.calls.list("a", "/r", { perPage: 30, status: "error" });
        expect(errors.items.map((c) => c.id)).toEqual([ids[4]!]);
        expect((await store.calls.list("a", "/other", { perPage: 30 })).items).toEqual([]);
      });

      it("keeps a log and an error with NUL in them whole, each NUL as U+FFFD (no database's text holds NUL)", async () => {
        const id = Bun.randomUUIDv7();
        const now = new Date();
        store.recorder.started({ id, appName: "a", path: "/nul", createdAt: now, startedAt: now });
        store.recorder.finished(id, { status: "error", startedAt: now, completedAt: new Date(), error: "bad\0exit", log: "before\0after\n" });
        expect(store.recorder.peek(id)).toMatchObject({ call: { error: "bad\uFFFDexit" }, log: "before\uFFFDafter\n" });
        await store.recorder.flush();
        expect(await store.calls.log(id)).toBe("before\uFFFDafter\n");
        expect((await store.calls.get(id)).error).toBe("bad\uFFFDexit");
      });

      it("lists a call as it is now while its running row is stored and its finished row is not yet", async () => {
        const id = Bun.randomUUIDv7();
        const now = new Date();
        store.recorder.started({ id, appName: "a", path: "/live", createdAt: now, startedAt: now });
        await store.recorder.flush();
        store.recorder.finished(id, { status: "success", startedAt: now, completedAt: new Date(), error: null, log: "" });

        expect((await store.calls.list("a", "/live", { perPage: 30 })).items.map((c) => [c.id, c.status])).toEqual([[id, "success"]]);
        expect((await store.calls.list("a", "/live", { perPage: 30, status: "running" })).items).toEqual([]);
        expect((await store.calls.list("a", "/live", { perPage: 30, status: "success" })).items.map((c) => c.id)).toEqual([id]);
        await store.recorder.flush();
        expect((await store.calls.list("a", "/live", { perPage: 30, status: "success" })).items.map((c) => c.id)).toEqual([id]);
      });

      it("lists calls not stored yet among stored ones, newest first, every call once across pages", async () => {
        const ids: string[] = [];
        // "late": finished, its log still open to the function's trailing stderr
        const record = (status: "running" | "success" | "late") => {
          const id = Bun.randomUUIDv7();
          ids.push(id);
          const now = new Date();
          store.recorder.started({ id, appName: "a", path: "/mixed", createdAt: now, startedAt: now });
          if (status === "running") return;
          const log = status === "late" ? { text: () => "still coming\n", complete: false } : "";
          store.recorder.finished(id, { status: "success", startedAt: now, completedAt: new Date(), error: null, log });
        };
        for (let i = 0; i < 3; i++) record("success");
        await store.recorder.flush();
        // buffered only, all newer than the stored three: finished, running, finished waiting for its log
        record("success");
        record("running");
        record("late");

        const listed = await walk((cursor) => store.calls.list("a", "/mixed", { perPage: 2, cursor }), 2, (c) => c.id);
        expect(listed).toEqual(ids.slice().reverse());
        const running = await store.calls.list("a", "/mixed", { perPage: 30, status: "running" });
        expect(running.items.map((c) => c.id)).toEqual([ids[4]!]);
        expect((await store.calls.list("a", "/other", { perPage: 30 })).items).toEqual([]);
      });
    });
  });
}
