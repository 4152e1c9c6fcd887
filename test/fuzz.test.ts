/**
 * Generated input at every endpoint, over real HTTP (fast-check): JSON of every shape, paths, methods,
 * headers and bodies at /v1, /tasks and /r. hotfn never answers its own 500, keeps answering, and a
 * valid request still works afterwards. Bounded in runs so the suite stays quick.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import fc from "fast-check";
import { createRoute } from "./helpers/fixtures.ts";
import { ensureImages, IMAGES } from "./helpers/images.ts";
import { startServer, type TestServer } from "./helpers/server.ts";

const T = 120_000;
const WORKER = `worker-${crypto.randomUUID()}`;
const APP = "fuzz";
/** The app the /v1 fuzzing may change or delete (APP's routes serve the /r fuzzing). */
const TARGET = "fuzz-target";
let s: TestServer;

beforeAll(async () => {
  await ensureImages();
  // HOTFN_PULL=never: a generated route's image that is not here fails at once instead of pulling.
  s = await startServer({ env: { HOTFN_WORKER_TOKEN: WORKER, HOTFN_ASYNC_WORKERS: "0", HOTFN_PULL: "never" } });
  await createRoute(s, APP, "/echo", { image: IMAGES.echo, format: "http" });
  await createRoute(s, APP, "/later", { image: IMAGES.echo, format: "json", type: "async" });
  await createRoute(s, APP, "/users/:id", { image: IMAGES.echo, format: "http" });
  await createRoute(s, TARGET, "/echo", { image: IMAGES.echo, format: "http" });
}, T);
afterAll(async () => {
  expect(s.logs()).not.toContain('"msg":"internal error"');
  await s.stop();
}, T);

/** Sends a request; the answer must not be hotfn's own 500, and must be JSON when hotfn wrote it. */
async function send(path: string, init: RequestInit): Promise<number> {
  const res = await s.fetch(path, init);
  const text = await res.text();
  expect(res.status, `${init.method} ${path} → ${res.status} ${text.slice(0, 200)}`).not.toBe(500);
  return res.status;
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"];
const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}$/);
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);
/** A path segment: plain, percent-encoded anything, or route-ish. */
const segment = fc.oneof(fc.webSegment(), fc.string({ maxLength: 12 }).map(encodeURIComponent), fc.constantFrom("apps", "routes", "calls", "log", "stats", ":id", "..", "%00", "echo"));
const v1Path = fc.array(segment, { maxLength: 6 }).map((segs) => `/v1/${segs.join("/")}`);
/** JSON shaped like what the API takes, with fields of every type. */
const field = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string(), fc.integer(), fc.constantFrom("sync", "async", "http", "default", "json", "http-stream", "/x", "busybox", ""));
const routeBody = fc.record(
  {
    path: field,
    image: field,
    type: field,
    format: field,
    memory: field,
    timeout: field,
    idle_timeout: field,
    user: field,
    headers: fc.oneof(field, fc.dictionary(token, fc.oneof(headerValue, fc.array(headerValue, { maxLength: 3 })), { maxKeys: 4 })),
    config: fc.oneof(field, fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 4 })),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  fc.record({ route: fc.oneof(routeBody, field) }, { requiredKeys: [] }),
  fc.record({ app: fc.oneof(fc.record({ name: field, config: field }, { requiredKeys: [] }), field) }, { requiredKeys: [] }),
  fc.record({ task: fc.oneof(fc.record({ id: field, lease: field, status: field, output: field }, { requiredKeys: [] }), field) }, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 3 }),
);
const rawBody = fc.oneof(body.map((b) => JSON.stringify(b)), fc.string({ maxLength: 100 }), fc.constant("{"), fc.constant(""));

describe("generated input", () => {
  it("at /v1: JSON of every shape, any method, any path — never a 500", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), fc.oneof(v1Path, fc.constantFrom("/v1/apps", `/v1/apps/${TARGET}`, `/v1/apps/${TARGET}/routes`, `/v1/apps/${TARGET}/routes/echo`)), rawBody, async (method, path, text) => {
          const init: RequestInit = { method, headers: { "content-type": "application/json" } };
          if (method !== "GET" && method !== "HEAD") init.body = text;
          await send(path, init);
        }),
      { numRuns: 1000 },
    );
  }, T);

  it("at /v1/apps/{app}/routes: generated routes are refused (4xx) or work: what was accepted reads back and can be called", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(routeBody, async (route) => {
        const app = `gen-${n++}`;
        const status = await send(`/v1/apps/${app}/routes`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ route }) });
        if (status !== 200) return expect(status).toBeLessThan(500);
        const path = String(route.path);
        expect((await s.json(`/v1/apps/${app}/routes${path}`)).status).toBe(200);
        await send(`/r/${app}${path.replaceAll(/:\w+/g, "p")}`, { method: "POST", body: "x" });
      }),
      { numRuns: 500 },
    );
  }, T);

  it("at /tasks: any ack body, with and without the worker token — never a 500", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("GET", "DELETE", "POST"), rawBody, fc.boolean(), async (method, text, authorized) => {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (authorized) headers.authorization = `Bearer ${WORKER}`;
        await send("/tasks", { method, headers, ...(method === "GET" ? {} : { body: text }) });
      }),
      { numRuns: 300 },
    );
  }, T);

  it("at /r: any method, path, headers and body — never a 500, and the function keeps answering", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...METHODS),
        fc.oneof(fc.constantFrom("/echo", "/users/42", "/later", "/nope"), fc.array(segment, { maxLength: 3 }).map((p) => `/${p.join("/")}`)),
        fc.dictionary(token, headerValue, { maxKeys: 6 }),
        fc.uint8Array({ maxLength: 512 }),
        async (method, path, headers, bytes) => {
          const init: RequestInit = { method, headers };
          if (method !== "GET" && method !== "HEAD") init.body = bytes;
          await send(`/r/${APP}${path}`, init);
        },
      ),
      { numRuns: 150 },
    );
  }, T);

  it("still serves valid requests afterwards", async () => {
    const r = await s.fetch(`/r/${APP}/echo`, { method: "POST", body: "still here" });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe("still here");
    await createRoute(s, "after-fuzz", "/echo", { image: IMAGES.echo, format: "http" });
    const fresh = await s.fetch("/r/after-fuzz/echo", { method: "POST", body: "a new route" });
    expect(await fresh.text()).toBe("a new route");
  }, T);
});
