/**
 * /v1/swagger.json is the API this server serves: every path and method in it answers (no "no such
 * endpoint"), every v1 endpoint the router has is in it, it offers every endpoint of the Fn v1 spec,
 * and its Route enums are the ones requests are validated against.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { existsSync } from "node:fs";
import { createApp } from "../src/api/app.ts";
import { createImagePolicy } from "../src/image-policy.ts";
import { createLogger } from "../src/log.ts";
import { CALL_STATUSES, ROUTE_FORMATS, ROUTE_TYPES } from "../src/model.ts";
import { openStore } from "../src/store/index.ts";
import { startServer, type TestServer } from "./helpers/server.ts";

/** Path and method of every operation in the Fn v1 spec (../shared/api/seed-swagger.yml). */
const SEED_OPERATIONS = [
  "get /version",
  "get /apps",
  "post /apps",
  "delete /apps/{app}",
  "get /apps/{app}",
  "patch /apps/{app}",
  "post /apps/{app}/routes",
  "get /apps/{app}/routes",
  "patch /apps/{app}/routes/{route}",
  "get /apps/{app}/routes/{route}",
  "delete /apps/{app}/routes/{route}",
  "get /calls/{call}",
  "get /apps/{app}/calls/{route}",
  "get /tasks",
];
const SEED_FILE = `${import.meta.dir}/../../shared/api/seed-swagger.yml`;

/**
 * Router entries whose pattern cannot say what they serve: the stats and timeline handlers take every
 * GET under routes/ and pass on all but `{route}/stats` and `{route}/timeline` (route paths contain
 * slashes; see api/route-suffix.ts). Both are listed, each probed by the test below.
 */
const SERVES: Record<string, string> = { "get /v1/apps/{app}/routes/*": "get /v1/apps/{app}/routes/{route}/stats" };

/** Endpoints outside /v1 that the swagger document (basePath /v1) rightly does not list. */
const OUTSIDE_V1 = new Set(["/", "/version", "/tasks", "/metrics", "/r/*", "/r/{app}/*", "/v1/swagger.json", "/ui", "/ui/", "/ui/assets/{hash}/{name}"]);

type Doc = {
  basePath: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters: { name: string; in: string }[] }>>;
  definitions: Record<string, any>;
};

let s: TestServer;
let doc: Doc;
/** The API token: every /v1 operation (and /tasks, which falls back to it) is probed as a client holding it. */
const TOKEN = `api-${crypto.randomUUID()}`;
beforeAll(async () => {
  s = await startServer({ env: { HOTFN_API_TOKEN: TOKEN }, auth: TOKEN });
  const res = await s.json("/v1/swagger.json");
  expect(res.status).toBe(200);
  doc = res.body;
  // The world the probes below need: an app with a route to read, one to delete, and nothing else.
  await s.json("/v1/apps/sw-app/routes", { method: "POST", body: { route: { path: "/sw/route", image: "busybox" } } });
  await s.json("/v1/apps/sw-app/routes", { method: "POST", body: { route: { path: "/sw/doomed", image: "busybox" } } });
});
afterAll(async () => {
  await s.stop();
});

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));

/** A request to the operation, and the status a correct server answers it with in this world. */
function probe(path: string, method: string): { url: string; body?: unknown; expect: number } {
  const route = method === "delete" ? "sw/doomed" : "sw/route";
  const url = `/v1${path.replace("{app}", "sw-app").replace("{route}", route).replace("{call}", "no-such-call")}`;
  const bodies: Record<string, unknown> = {
    "post /apps": { app: { name: "sw-made" } },
    "patch /apps/{app}": { app: { config: { A: "1" } } },
    "post /apps/{app}/routes": { route: { path: "/sw/made", image: "busybox" } },
    "patch /apps/{app}/routes/{route}": { route: { memory: 64 } },
    "delete /tasks": { task: { id: "no-such-task", status: "success" } },
  };
  const expected: Record<string, number> = {
    "get /calls/{call}": 404, // no call has run yet
    "get /calls/{call}/log": 404,
    "get /calls/{call}/output": 404,
    "delete /apps/{app}": 400, // sw-app still has routes
    "delete /tasks": 404, // no task was handed out
  };
  const body = bodies[`${method} ${path}`];
  return { url, ...(body === undefined ? {} : { body }), expect: expected[`${method} ${path}`] ?? 200 };
}

describe("/v1/swagger.json", () => {
  it("is a Swagger 2.0 document with basePath /v1 and a definition for every $ref", async () => {
    expect(doc).toMatchObject({ swagger: "2.0", basePath: "/v1" });
    const refs = [...JSON.stringify(doc).matchAll(/"#\/definitions\/([A-Za-z]+)"/g)].map((m) => m[1]!);
    for (const ref of new Set(refs)) expect(doc.definitions[ref], ref).toBeDefined();
  });

  it("offers every operation of the Fn v1 spec", () => {
    const ours = new Set(operations().map((o) => `${o.method} ${o.path}`));
    for (const op of SEED_OPERATIONS) expect(ours.has(op), op).toBe(true);
  });

  it.skipIf(!existsSync(SEED_FILE))("lists the seed spec's operations correctly (checked against the YAML)", async () => {
    const seed = Bun.YAML.parse(await Bun.file(SEED_FILE).text()) as { paths: Record<string, Record<string, unknown>> };
    const fromYaml = Object.entries(seed.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    expect(fromYaml.sort()).toEqual([...SEED_OPERATIONS].sort());
  });

  it("names only endpoints the server serves, each answering as it declares", async () => {
    // Deletes last, so the other probes find what they read.
    const ops = operations().sort((a, b) => Number(a.method === "delete") - Number(b.method === "delete"));
    expect(ops.length).toBeGreaterThanOrEqual(SEED_OPERATIONS.length);
    for (const { path, method, op } of ops) {
      const { url, body, expect: want } = probe(path, method);
      const res = await s.json(url, { method: method.toUpperCase(), ...(body === undefined ? {} : { body }) });
      const label = `${method.toUpperCase()} ${url} → ${res.status} ${JSON.stringify(res.body)}`;
      expect(String(res.body?.error?.message ?? ""), label).not.toContain("no such endpoint");
      expect(res.status, label).toBe(want);
      expect(Object.keys(op.responses), label).toContain(String(res.status));
      const ok = (op.responses["200"] as { schema?: { $ref: string } }).schema?.$ref?.split("/").at(-1);
      if (res.status === 200 && ok) {
        for (const key of doc.definitions[ok].required ?? []) expect(res.body, `${label}: ${ok}.${key}`).toHaveProperty(key);
      }
    }
  });

  it("lists every /v1 endpoint the router has", async () => {
    const store = await openStore({ url: ":memory:", log: createLogger("silent") });
    try {
      // Only the route table is read: no handler runs, so dependencies beyond the store can be inert.
      const inert = new Proxy({}, { get: () => () => undefined });
      const deps = {
        version: "0",
        log: createLogger("silent"),
        store,
        runner: inert,
        queue: inert,
        claims: inert,
        metrics: inert,
        tokens: {},
        images: createImagePolicy(undefined),
        maxApiBody: 1024,
        maxRequestBody: 1024,
        maxMemoryMiB: 1024,
        debugHeap: false,
      };
      const app = createApp(deps as unknown as Parameters<typeof createApp>[0]);
      const documented = new Set(operations().map((o) => `${o.method} ${doc.basePath}${o.path}`));
      const served = app.routes
        .filter((r) => r.method !== "ALL")
        .map((r) => ({ method: r.method.toLowerCase(), path: r.path.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}") }))
        .filter((r) => !OUTSIDE_V1.has(r.path));
      expect(served.length).toBeGreaterThan(0);
      for (const r of served) {
        const key = `${r.method} ${r.path}`;
        expect(documented.has(SERVES[key] ?? key), `${key} is served but not in swagger.json`).toBe(true);
      }
    } finally {
      await store.close();
    }
  });

  it("describes Route.type and Route.format with exactly the values requests are validated against", async () => {
    for (const def of [doc.definitions.Route, doc.definitions.RouteWrapper.properties.route]) {
      expect(def.properties.type.enum).toEqual([...ROUTE_TYPES]);
      expect(def.properties.format.enum).toEqual([...ROUTE_FORMATS]);
    }
    // And the server takes each of them, and nothing else.
    for (const format of ROUTE_FORMATS) {
      const res = await s.json("/v1/apps/sw-enum/routes", { method: "POST", body: { route: { path: `/${format}`, image: "busybox", format } } });
      expect(res.status, format).toBe(200);
    }
    for (const type of ROUTE_TYPES) {
      const res = await s.json("/v1/apps/sw-enum/routes", { method: "POST", body: { route: { path: `/t-${type}`, image: "busybox", type } } });
      expect(res.status, type).toBe(200);
    }
    const other = await s.json("/v1/apps/sw-enum/routes", { method: "POST", body: { route: { path: "/other", image: "busybox", format: "cloudevent" } } });
    expect(other.status).toBe(400);
  });

  it("keeps the seed spec's formats and types, and lists call statuses as the store has them", () => {
    for (const f of ["default", "http", "json"]) expect(doc.definitions.Route.properties.format.enum).toContain(f);
    for (const t of ["sync", "async"]) expect(doc.definitions.Route.properties.type.enum).toContain(t);
    expect(doc.definitions.Call.properties.status.enum).toEqual([...CALL_STATUSES]);
  });
});
