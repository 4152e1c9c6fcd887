/**
 * hotfn's three doors over real HTTP: the API (/v1, /metrics) takes only the API token, /tasks only
 * the worker token (or the API token when it is the only one), /r only the invoke token when one is
 * set. A refusal is 401 with `WWW-Authenticate: Bearer` and one body whatever was wrong. hotfn's own
 * tokens never reach a function, nor the stored request of an async call.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureImages, IMAGES } from "./helpers/images.ts";
import { startServer, type TestServer } from "./helpers/server.ts";

const T = 60_000;
const token = (what: string) => `${what}-${crypto.randomUUID()}`;
const API = token("api");
const WORKER = token("worker");
const INVOKE = token("invoke");

/** Every way a client can fail to hold the token; all must read alike. */
const WRONG_CREDENTIALS: (Record<string, string> | undefined)[] = [
  undefined,
  { authorization: "" },
  { authorization: "Bearer" },
  { authorization: `Basic ${btoa(`user:${API}`)}` },
  { authorization: `Bearer ${API.slice(0, -1)}` },
  { authorization: `Bearer ${API}x` },
  { authorization: "Bearer short" },
];

async function refused(s: TestServer, path: string, init: RequestInit = {}) {
  const res = await s.fetch(path, init);
  return { status: res.status, challenge: res.headers.get("www-authenticate"), body: await res.text() };
}

describe("with an API, a worker and an invoke token", () => {
  let s: TestServer;
  beforeAll(async () => {
    await ensureImages();
    s = await startServer({ env: { HOTFN_API_TOKEN: API, HOTFN_WORKER_TOKEN: WORKER, HOTFN_INVOKE_TOKEN: INVOKE, HOTFN_ASYNC_WORKERS: "0" } });
    const api = { authorization: `Bearer ${API}` };
    const route = (path: string, extra: object) => s.json("/v1/apps/doors/routes", { method: "POST", headers: api, body: { route: { path, image: IMAGES.echo, ...extra } } });
    expect((await route("/echo", { format: "http" })).status).toBe(200);
    expect((await route("/later", { format: "json", type: "async" })).status).toBe(200);
  }, T);
  afterAll(async () => {
    await s.stop();
  }, T);

  it("answers every /v1 endpoint and /metrics 401 with a Bearer challenge, the same body whatever was wrong", async () => {
    const answers = new Set<string>();
    for (const path of ["/v1/apps", "/v1/apps/doors", "/v1/apps/doors/routes/echo", "/v1/version", "/v1/swagger.json", "/v1/no/such/thing", "/metrics"]) {
      for (const headers of WRONG_CREDENTIALS) {
        const r = await refused(s, path, headers ? { headers } : {});
        expect(r.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(r.challenge).toStartWith("Bearer");
        answers.add(r.body);
      }
    }
    for (const token of [WORKER, INVOKE]) {
      expect((await refused(s, "/v1/apps", { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    }
    expect([...answers]).toEqual([JSON.stringify({ error: { message: "Unauthorized: send a valid token as Authorization: Bearer <token>" } })]);
  }, T);

  it("refuses writes without the token before reading them, and changes nothing", async () => {
    const r = await refused(s, "/v1/apps", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ app: { name: "intruder" } }) });
    expect(r.status).toBe(401);
    expect((await s.json("/v1/apps/intruder", { headers: { authorization: `Bearer ${API}` } })).status).toBe(404);
  }, T);

  it("serves the API to the API token, whatever the case of the scheme", async () => {
    for (const scheme of ["Bearer", "bearer", "BEARER"]) {
      expect((await s.json("/v1/apps", { headers: { authorization: `${scheme} ${API}` } })).status).toBe(200);
    }
    const metrics = await s.fetch("/metrics", { headers: { authorization: `Bearer ${API}` } });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("hotfn_");
  }, T);

  it("keeps / and /version open, for health checks", async () => {
    expect((await s.fetch("/version")).status).toBe(200);
    expect((await s.fetch("/")).status).toBe(200);
  }, T);

  it("opens /tasks and /v1/tasks to the worker token only", async () => {
    for (const door of ["/tasks", "/v1/tasks"]) {
      for (const t of [API, INVOKE]) expect((await refused(s, door, { headers: { authorization: `Bearer ${t}` } })).status).toBe(401);
      expect((await refused(s, door)).status).toBe(401);
      const ack = await refused(s, door, { method: "DELETE", headers: { authorization: `Bearer ${API}`, "content-type": "application/json" }, body: "{}" });
      expect(ack.status).toBe(401);
      expect((await s.json(door, { headers: { authorization: `Bearer ${WORKER}` } })).status).toBe(200);
    }
  }, T);

  it("calls functions only with the invoke token, and the function never sees it", async () => {
    for (const t of [undefined, API, WORKER]) {
      const r = await refused(s, "/r/doors/echo", { method: "POST", body: "request", ...(t ? { headers: { authorization: `Bearer ${t}` } } : {}) });
      expect(r.status).toBe(401);
    }
    const res = await s.fetch("/r/doors/echo", { method: "POST", body: "request", headers: { authorization: `Bearer ${INVOKE}`, "x-caller": "kept" } });
    expect(res.status).toBe(200);
    const seen = (await res.json()) as { headers: Record<string, string> };
    expect(seen.headers["x-caller"]).toBe("kept");
    expect(Object.keys(seen.headers).map((h) => h.toLowerCase())).not.toContain("authorization");
    expect(JSON.stringify(seen)).not.toContain(INVOKE);
  }, T);

  it("stores an async call without hotfn's token: the worker sees the caller's other headers only", async () => {
    const res = await s.fetch("/r/doors/later", { method: "POST", body: "x", headers: { authorization: `Bearer ${INVOKE}`, "x-caller": "kept" } });
    expect(res.status).toBe(202);
    const task = (await s.json("/tasks", { headers: { authorization: `Bearer ${WORKER}` } })).body.task;
    expect(task.env_vars.FN_HEADER_X_CALLER).toBe("kept");
    expect(task.env_vars.FN_HEADER_AUTHORIZATION).toBeUndefined();
    expect(JSON.stringify(task)).not.toContain(INVOKE);
  }, T);
});

describe("with only an API token, read from a file", () => {
  let s: TestServer;
  let dir: string;
  beforeAll(async () => {
    await ensureImages();
    dir = mkdtempSync(join(tmpdir(), "hotfn-secret-"));
    writeFileSync(join(dir, "api-token"), `${API}\n`, { mode: 0o600 });
    s = await startServer({ env: { HOTFN_API_TOKEN_FILE: join(dir, "api-token"), HOTFN_ASYNC_WORKERS: "0" }, auth: API });
    expect((await s.json("/v1/apps/open/routes", { method: "POST", body: { route: { path: "/echo", image: IMAGES.echo, format: "http" } } })).status).toBe(200);
  }, T);
  afterAll(async () => {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }, T);

  it("takes the token from the file, trailing newline removed", async () => {
    expect((await refused(s, "/v1/apps", { headers: { authorization: `Bearer ${API.slice(1)}` } })).status).toBe(401);
    expect((await s.json("/v1/apps")).status).toBe(200);
  }, T);

  it("opens /tasks to the API token, as the worker token falls back to it", async () => {
    expect((await s.json("/tasks")).status).toBe(200);
    expect((await refused(s, "/tasks", { headers: { authorization: "Bearer someone-elses-token" } })).status).toBe(401);
  }, T);

  it("leaves /r public, strips the API token before the function, and passes the caller's own Authorization on", async () => {
    const anonymous = await s.fetch("/r/open/echo", { method: "POST", body: "request", headers: { authorization: "" } });
    expect(anonymous.status).toBe(200);
    const withApi = (await (await s.fetch("/r/open/echo", { method: "POST", body: "request" })).json()) as { headers: Record<string, string> };
    expect(JSON.stringify(withApi)).not.toContain(API);
    const own = (await (await s.fetch("/r/open/echo", { method: "POST", body: "request", headers: { authorization: "Bearer the-function-s-own" } })).json()) as { headers: Record<string, string> };
    expect(own.headers.authorization ?? own.headers.Authorization).toBe("Bearer the-function-s-own");
  }, T);
});

describe("with no token at all", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ env: { HOTFN_ASYNC_WORKERS: "0" } });
  }, T);
  afterAll(async () => {
    await s.stop();
  }, T);

  it("keeps the /tasks door closed to anyone, whatever they send", async () => {
    for (const headers of [undefined, { authorization: "Bearer anything-at-all-1234" }]) {
      const r = await refused(s, "/tasks", headers ? { headers } : {});
      expect(r.status).toBe(401);
      expect(r.challenge).toStartWith("Bearer");
      expect((await refused(s, "/v1/tasks", headers ? { headers } : {})).status).toBe(401);
    }
  }, T);

  it("serves /v1 without a token (it listens on loopback only; test/binding.test.ts)", async () => {
    expect((await s.json("/v1/apps")).status).toBe(200);
  }, T);
});
