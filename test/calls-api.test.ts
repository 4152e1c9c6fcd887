/**
 * The read side of calls and the tasks door over real HTTP, before any function has run: a call that
 * does not exist is 404 (record and log), a route's call list is empty, a missing app or route is
 * 404, and the async queue the /tasks door hands out from is empty.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { startServer, type TestServer } from "./helpers/server.ts";

let s: TestServer;
/** The worker door's token: without one, /tasks is closed (test/auth.test.ts). */
const WORKER = `worker-${crypto.randomUUID()}`;
beforeAll(async () => {
  s = await startServer({ env: { HOTFN_WORKER_TOKEN: WORKER }, auth: WORKER });
  await s.json("/v1/apps/calls-app/routes", { method: "POST", body: { route: { path: "/nested/fn", image: "busybox" } } });
  await s.json("/v1/apps/calls-app/routes", { method: "POST", body: { route: { path: "/top", image: "busybox" } } });
});
afterAll(async () => {
  await s.stop();
});

describe("GET /v1/calls/{call}", () => {
  it("answers 404 naming the call when it does not exist", async () => {
    const id = "01890000-0000-7000-8000-000000000000";
    const res = await s.json(`/v1/calls/${id}`);
    expect(res.status).toBe(404);
    expect(res.body.error.message).toContain(id);
  });
});

describe("GET /v1/calls/{call}/log", () => {
  it("answers 404 for a call that does not exist, as JSON and as text/plain", async () => {
    expect((await s.json("/v1/calls/nope/log")).status).toBe(404);
    const text = await s.fetch("/v1/calls/nope/log", { headers: { accept: "text/plain" } });
    expect(text.status).toBe(404);
    expect(((await text.json()) as any).error.message).toContain("nope");
  });
});

describe("GET /v1/apps/{app}/calls/{route}", () => {
  it("answers 200 with no calls for an existing route, paths with slashes included", async () => {
    for (const route of ["top", "nested/fn"]) {
      const res = await s.json(`/v1/apps/calls-app/calls/${route}`);
      expect(res.status, route).toBe(200);
      expect(res.body).toEqual({ calls: [] });
    }
  });

  it("takes the paging and status parameters", async () => {
    const res = await s.json("/v1/apps/calls-app/calls/top?per_page=100&status=success");
    expect(res.status).toBe(200);
    expect(res.body.calls).toEqual([]);
  });

  it("answers 404 for a missing app and for a missing route", async () => {
    const noApp = await s.json("/v1/apps/no-such-app/calls/top");
    expect(noApp.status).toBe(404);
    expect(noApp.body.error.message).toContain("no-such-app");
    const noRoute = await s.json("/v1/apps/calls-app/calls/not/a/route");
    expect(noRoute.status).toBe(404);
    expect(noRoute.body.error.message).toContain("/not/a/route");
  });

  it("answers 400 naming the parameter for a bad status, per_page or cursor", async () => {
    for (const [query, field] of [
      ["status=finished", "status"],
      ["per_page=101", "per_page"],
      ["per_page=0", "per_page"],
      ["cursor=%%%", "cursor"],
    ] as const) {
      const res = await s.json(`/v1/apps/calls-app/calls/top?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.message).toContain(field);
    }
  });
});

describe("the tasks door, with an empty queue", () => {
  it("answers GET /tasks and GET /v1/tasks with no task", async () => {
    for (const path of ["/tasks", "/v1/tasks"]) {
      const res = await s.json(path);
      expect(res.status, path).toBe(200);
      expect(res.body).toEqual({ task: null });
    }
  });

  it("answers DELETE /tasks for a task it never handed out with 404, and a body without a task with 400", async () => {
    for (const path of ["/tasks", "/v1/tasks"]) {
      const unknown = await s.json(path, { method: "DELETE", body: { task: { id: "never-handed-out" } } });
      expect(unknown.status, path).toBe(404);
      const bad = await s.json(path, { method: "DELETE", body: { nope: 1 } });
      expect(bad.status, path).toBe(400);
      expect(bad.body.error.message).toContain("task");
    }
  });
});

describe("the root endpoints", () => {
  it("answers ping at / and the same version at /version and /v1/version", async () => {
    const ping = await s.json("/");
    expect(ping.status).toBe(200);
    expect(ping.body).toMatchObject({ hello: "world!" });
    const pkg = (await Bun.file(`${import.meta.dir}/../package.json`).json()) as { version: string };
    for (const path of ["/version", "/v1/version"]) {
      const res = await s.json(path);
      expect(res.status, path).toBe(200);
      expect(res.body).toEqual({ version: pkg.version });
    }
  });

  it("answers 404 with the v1 error body for a path it does not serve, and carries a request id", async () => {
    const res = await s.json("/v1/nothing-here");
    expect(res.status).toBe(404);
    expect(res.body.error.message).toContain("/v1/nothing-here");
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });
});
