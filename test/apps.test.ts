/**
 * /v1/apps over real HTTP against a real hotfn process and libSQL file: create, get, list (paged),
 * patch (config merges, name read-only), delete (not while routes exist), and every error status.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { startServer, type TestServer } from "./helpers/server.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.stop();
});

let seq = 0;
/** A name no other test of this file uses. */
const fresh = (prefix = "app") => `${prefix}-${++seq}`;

const createApp = (app: unknown) => s.json("/v1/apps", { method: "POST", body: { app } });

describe("POST /v1/apps", () => {
  it("creates an app and answers with it, config included", async () => {
    const name = fresh();
    const res = await createApp({ name, config: { DB: "postgres://x", "log-level": "debug" } });
    expect(res.status).toBe(200);
    expect(res.body.message).toBe("App successfully created");
    expect(res.body.app).toMatchObject({ name, config: { DB: "postgres://x", "log-level": "debug" } });
    expect(Date.parse(res.body.app.created_at)).not.toBeNaN();
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);

    const got = await s.json(`/v1/apps/${name}`);
    expect(got.status).toBe(200);
    expect(got.body.app).toEqual(res.body.app);
  });

  it("answers 409 for a name that exists", async () => {
    const name = fresh();
    expect((await createApp({ name })).status).toBe(200);
    const again = await createApp({ name, config: { A: "1" } });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain(name);
    // The first app is unchanged.
    expect((await s.json(`/v1/apps/${name}`)).body.app.config).toEqual({});
  });

  it("accepts names of 1 and 30 characters of A-Z a-z 0-9 _ -", async () => {
    for (const name of ["x", "A_b-9", "n".repeat(30)]) {
      const res = await createApp({ name });
      expect(res.status, name).toBe(200);
    }
  });

  it.each([
    ["empty", ""],
    ["31 characters", "n".repeat(31)],
    ["a space", "a b"],
    ["a dot", "a.b"],
    ["a slash", "a/b"],
    ["non-ASCII", "café"],
  ])("refuses an app name with %s: 400 naming app.name", async (_, name) => {
    const res = await createApp({ name });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain("app.name");
  });

  it("refuses a missing name and a name that is not a string", async () => {
    for (const app of [{}, { name: 42 }, { name: null }]) {
      const res = await createApp(app);
      expect(res.status, JSON.stringify(app)).toBe(400);
      expect(res.body.error.message).toContain("app.name");
    }
  });

  it.each([
    ["starts with a digit", "1ABC"],
    ["has a dot", "a.b"],
    ["has a space", "A B"],
    ["has an equals sign", "A=B"],
    ["is empty", ""],
  ])("refuses a config key that %s (not an env var name): 400 naming the key", async (_, key) => {
    const res = await createApp({ name: fresh(), config: { [key]: "v" } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain("app.config");
  });

  it("refuses config values that are not strings", async () => {
    const res = await createApp({ name: fresh(), config: { N: 5 } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain("app.config.N");
  });

  it("refuses a body without an app object", async () => {
    for (const body of [{}, { app: "x" }, [], 7, "x", null]) {
      const res = await s.json("/v1/apps", { method: "POST", body: JSON.stringify(body) });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toMatch(/app/);
    }
  });
});

describe("bodies that are not JSON", () => {
  it("answers 415 for a content type other than JSON", async () => {
    for (const type of ["text/plain", "application/xml", "multipart/form-data; boundary=x"]) {
      const res = await s.json("/v1/apps", { method: "POST", headers: { "content-type": type }, body: JSON.stringify({ app: { name: fresh() } }) });
      expect(res.status, type).toBe(415);
      expect(res.body.error.message).toContain("application/json");
    }
  });

  it("takes JSON with a charset and JSON sent as curl's default form type", async () => {
    const a = await s.json("/v1/apps", { method: "POST", headers: { "content-type": "application/json; charset=utf-8" }, body: JSON.stringify({ app: { name: fresh() } }) });
    expect(a.status).toBe(200);
    const b = await s.json("/v1/apps", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: JSON.stringify({ app: { name: fresh() } }) });
    expect(b.status).toBe(200);
  });

  it("answers 400 for malformed and for empty JSON", async () => {
    const bad = await s.json("/v1/apps", { method: "POST", body: '{"app": {"name": ' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/not valid JSON/);
    const empty = await s.fetch("/v1/apps", { method: "POST", headers: { "content-type": "application/json" } });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as any).error.message).toMatch(/empty/);
  });
});

describe("GET /v1/apps/{app}", () => {
  it("answers 404 for an app that does not exist", async () => {
    const res = await s.json("/v1/apps/no-such-app");
    expect(res.status).toBe(404);
    expect(res.body.error.message).toContain("no-such-app");
  });
});

describe("PATCH /v1/apps/{app}", () => {
  it("merges config: new keys added, given keys replaced, empty values removed, others kept", async () => {
    const name = fresh();
    await createApp({ name, config: { KEEP: "k", CHANGE: "old", DROP: "d" } });
    const res = await s.json(`/v1/apps/${name}`, { method: "PATCH", body: { app: { config: { CHANGE: "new", DROP: "", ADD: "a" } } } });
    expect(res.status).toBe(200);
    expect(res.body.message).toBe("App successfully updated");
    expect(res.body.app.config).toEqual({ KEEP: "k", CHANGE: "new", ADD: "a" });
    expect((await s.json(`/v1/apps/${name}`)).body.app.config).toEqual({ KEEP: "k", CHANGE: "new", ADD: "a" });
  });

  it("moves updated_at forward and keeps created_at", async () => {
    const name = fresh();
    const created = (await createApp({ name })).body.app;
    await Bun.sleep(5);
    const updated = (await s.json(`/v1/apps/${name}`, { method: "PATCH", body: { app: { config: { A: "1" } } } })).body.app;
    expect(updated.created_at).toBe(created.created_at);
    expect(Date.parse(updated.updated_at)).toBeGreaterThan(Date.parse(created.updated_at));
  });

  it("refuses to change the name (400) and accepts the same name", async () => {
    const name = fresh();
    await createApp({ name });
    const rename = await s.json(`/v1/apps/${name}`, { method: "PATCH", body: { app: { name: "other" } } });
    expect(rename.status).toBe(400);
    expect(rename.body.error.message).toContain("app.name");
    expect((await s.json("/v1/apps/other")).status).toBe(404);
    const same = await s.json(`/v1/apps/${name}`, { method: "PATCH", body: { app: { name, config: { A: "1" } } } });
    expect(same.status).toBe(200);
  });

  it("answers 404 for a missing app and 400 for a bad config key", async () => {
    expect((await s.json("/v1/apps/nope-404", { method: "PATCH", body: { app: { config: { A: "1" } } } })).status).toBe(404);
    const name = fresh();
    await createApp({ name });
    const bad = await s.json(`/v1/apps/${name}`, { method: "PATCH", body: { app: { config: { "9X": "1" } } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("app.config");
  });

  it("answers 415 and 400 for bodies that are not JSON", async () => {
    const name = fresh();
    await createApp({ name });
    expect((await s.json(`/v1/apps/${name}`, { method: "PATCH", headers: { "content-type": "text/plain" }, body: "{}" })).status).toBe(415);
    expect((await s.json(`/v1/apps/${name}`, { method: "PATCH", body: "{nope" })).status).toBe(400);
  });
});

describe("DELETE /v1/apps/{app}", () => {
  it("deletes an app without routes; it is gone after", async () => {
    const name = fresh();
    await createApp({ name });
    const res = await s.json(`/v1/apps/${name}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect((await s.json(`/v1/apps/${name}`)).status).toBe(404);
    // The name is free again.
    expect((await createApp({ name })).status).toBe(200);
  });

  it("answers 400 while the app has routes, and deletes it once they are gone", async () => {
    const name = fresh();
    await s.json(`/v1/apps/${name}/routes`, { method: "POST", body: { route: { path: "/r", image: "busybox" } } });
    const res = await s.json(`/v1/apps/${name}`, { method: "DELETE" });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/routes/);
    expect((await s.json(`/v1/apps/${name}`)).status).toBe(200);
    expect((await s.json(`/v1/apps/${name}/routes/r`, { method: "DELETE" })).status).toBe(200);
    expect((await s.json(`/v1/apps/${name}`, { method: "DELETE" })).status).toBe(200);
  });

  it("answers 404 for an app that does not exist", async () => {
    expect((await s.json("/v1/apps/never-was", { method: "DELETE" })).status).toBe(404);
  });
});

describe("GET /v1/apps paging", () => {
  it("defaults to 30 per page and walks every app exactly once with next_cursor", async () => {
    // Names that sort after every other app this file creates, so the walk below sees them in order.
    const names = Array.from({ length: 65 }, (_, i) => `zz-page-${String(i).padStart(3, "0")}`);
    await Promise.all(names.map((name) => createApp({ name })));

    const first = await s.json("/v1/apps");
    expect(first.status).toBe(200);
    expect(first.body.apps).toHaveLength(30);
    expect(typeof first.body.next_cursor).toBe("string");

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await s.json(`/v1/apps?per_page=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(page.status).toBe(200);
      expect(page.body.apps.length).toBeLessThanOrEqual(7);
      seen.push(...page.body.apps.map((a: { name: string }) => a.name));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...seen].sort());
    expect(seen.filter((n) => n.startsWith("zz-page-"))).toEqual(names);
    expect(pages).toBe(Math.ceil(seen.length / 7));
  });

  it("takes per_page 1..100 and refuses 0, 101 and non-numbers with 400 naming per_page", async () => {
    expect((await s.json("/v1/apps?per_page=100")).status).toBe(200);
    expect((await s.json("/v1/apps?per_page=1")).body.apps).toHaveLength(1);
    for (const bad of ["0", "101", "abc", "-1", "1.5"]) {
      const res = await s.json(`/v1/apps?per_page=${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.error.message).toContain("per_page");
    }
  });

  it("refuses a cursor it did not hand out with 400 naming cursor", async () => {
    for (const bad of ["zzz", "not-base64!", Buffer.from("{}").toString("base64url")]) {
      const res = await s.json(`/v1/apps?cursor=${encodeURIComponent(bad)}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.error.message).toContain("cursor");
    }
  });
});

describe("request body limit (HOTFN_MAX_API_BODY)", () => {
  let small: TestServer;
  beforeAll(async () => {
    small = await startServer({ env: { HOTFN_MAX_API_BODY: "2048" } });
  });
  afterAll(async () => {
    await small.stop();
  });

  it("answers 413 for a body over the limit, with or without Content-Length", async () => {
    const big = JSON.stringify({ app: { name: "big", config: { K: "x".repeat(4096) } } });
    const sized = await small.json("/v1/apps", { method: "POST", body: big });
    expect(sized.status).toBe(413);
    expect(sized.body.error.message).toContain("2048");

    // Chunked: the server cannot know the size up front and must count while reading.
    const chunks = [big.slice(0, 1000), big.slice(1000)];
    const stream = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        const next = chunks.shift();
        if (next === undefined) ctrl.close();
        else ctrl.enqueue(new TextEncoder().encode(next));
      },
    });
    const chunked = await small.fetch("/v1/apps", { method: "POST", headers: { "content-type": "application/json" }, body: stream, duplex: "half" } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await small.json("/v1/apps/big")).status).toBe(404);
  });

  it("takes a body under the limit", async () => {
    const res = await small.json("/v1/apps", { method: "POST", body: { app: { name: "small", config: { K: "x".repeat(1000) } } } });
    expect(res.status).toBe(200);
  });
});

describe("SIGTERM", () => {
  it("lets a request in flight finish, refuses new connections, and exits 0", async () => {
    const t = await startServer();
    const encoder = new TextEncoder();
    let push!: (text: string | null) => void;
    const body = new ReadableStream<Uint8Array>({
      start(ctrl) {
        push = (text) => (text === null ? ctrl.close() : ctrl.enqueue(encoder.encode(text)));
      },
    });
    // The request is in flight: its body has started but not finished when the signal comes.
    const answer = t.fetch("/v1/apps", { method: "POST", headers: { "content-type": "application/json" }, body, duplex: "half" } as RequestInit);
    push('{"app":{"name":');
    await Bun.sleep(100); // let the first bytes reach the server
    t.proc.kill("SIGTERM");
    await waitFor(() => t.logs().includes('"msg":"shutting down"'));
    expect(t.proc.exitCode).toBeNull();

    push('"in-flight"}}');
    push(null);
    const res = await answer;
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).app.name).toBe("in-flight");
    expect(await t.proc.exited).toBe(0);
    expect(t.logs()).toContain('"msg":"stopped"');
    await expect(fetch(`${t.url}/`)).rejects.toThrow();
    await t.stop();
  });
});

async function waitFor(cond: () => boolean, ms = 10_000) {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await Bun.sleep(10);
  }
}
