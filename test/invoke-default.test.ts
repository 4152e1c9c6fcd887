import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createRoute, eventually, img, invoke } from "./helpers/fixtures.ts";
import { ensureImages } from "./helpers/images.ts";
import { containersOf, startServer, type TestServer } from "./helpers/server.ts";

let s: TestServer;
beforeAll(async () => {
  await ensureImages();
  s = await startServer();
  await s.json("/v1/apps", { method: "POST", body: { app: { name: "cold", config: { "app-key": "from-app", SHARED: "app" } } } });
  await createRoute(s, "cold", "/echo", { image: img("echo"), headers: { "X-Route": "yes" } });
  await createRoute(s, "cold", "/users/:id", { image: img("echo"), config: { shared: "route", "route-key": "r" } });
  await createRoute(s, "cold", "/bb", { image: img("bb-echo") });
  await createRoute(s, "cold", "/crash", { image: img("crash") });
  await createRoute(s, "cold", "/log", { image: img("log") });
}, 300_000);
afterAll(async () => {
  await s.stop();
});

describe("default format: one container per call", () => {
  it("answers the function's stdout with call id and route headers, then removes the container", async () => {
    const r = await invoke(s, "cold", "/echo", { body: "hello hotfn" });
    expect(r.status).toBe(200);
    expect(r.text).toBe("hello hotfn");
    const id = r.headers.get("fn-call-id");
    expect(id).toBeTruthy();
    expect(r.headers.get("fn_call_id")).toBe(id);
    expect(r.headers.get("x-route")).toBe("yes");
    expect(await eventually(() => containersOf(s.node).length === 0)).toBe(true);
  });

  it("runs a plain busybox function", async () => {
    const r = await invoke(s, "cold", "/bb", { body: "from busybox" });
    expect(r.status).toBe(200);
    expect(r.text).toBe("from busybox");
  });

  it("passes the GET payload query value as the body", async () => {
    const r = await invoke(s, "cold", "/echo?payload=via%20query", { method: "GET" });
    expect(r.text).toBe("via query");
  });

  it("gives the function the contract's env: FN_*, config (route wins), params, headers, legacy names", async () => {
    const r = await invoke(s, "cold", "/users/42", { body: "env", headers: { "X-Custom-Thing": "abc" } });
    expect(r.status).toBe(200);
    const env = JSON.parse(r.text);
    expect(env).toMatchObject({
      FN_APP_NAME: "cold",
      FN_PATH: "/users/:id",
      FN_FORMAT: "default",
      FN_MEMORY: "128",
      FN_TYPE: "sync",
      FN_METHOD: "POST",
      FN_PARAM_ID: "42",
      FN_HEADER_X_CUSTOM_THING: "abc",
      APP_KEY: "from-app",
      ROUTE_KEY: "r",
      SHARED: "route",
      APP_NAME: "cold",
      ROUTE: "/users/:id",
      METHOD: "POST",
      PARAM_ID: "42",
      HEADER_X_CUSTOM_THING: "abc",
    });
    expect(env.FN_CALL_ID).toBe(r.headers.get("fn-call-id"));
    expect(env.FN_REQUEST_URL).toEndWith("/r/cold/users/42");
    expect(env.REQUEST_URL).toBe(env.FN_REQUEST_URL);
  });

  it("answers 404 for an unknown app or route", async () => {
    expect((await invoke(s, "nope", "/x")).status).toBe(404);
    const r = await s.json("/r/cold/missing", { method: "POST" });
    expect(r.status).toBe(404);
    expect(r.body.error.message).toContain("/missing");
  });

  it("answers 502 with the exit code for a crash, and records the call and its log", async () => {
    const r = await invoke(s, "cold", "/crash", { body: "x" });
    expect(r.status).toBe(502);
    expect(JSON.parse(r.text).error.message).toContain("exited with code 3");
    const id = r.headers.get("fn-call-id")!;
    expect(await eventually(async () => (await s.json(`/v1/calls/${id}`)).body?.call?.status === "error")).toBe(true);
    const log = await s.json(`/v1/calls/${id}/log`);
    expect(log.body.log.log).toContain("crashing on purpose");
  });

  it("keeps each call's stderr as its log, and lists the route's calls", async () => {
    const r = await invoke(s, "cold", "/log", { body: "line one\nline two\n" });
    expect(r.status).toBe(200);
    const id = r.headers.get("fn-call-id")!;
    expect(await eventually(async () => (await s.json(`/v1/calls/${id}`)).body?.call?.status === "success")).toBe(true);
    const call = (await s.json(`/v1/calls/${id}`)).body.call;
    expect(call).toMatchObject({ id, app_name: "cold", path: "/log", status: "success" });
    expect(Date.parse(call.completed_at)).toBeGreaterThanOrEqual(Date.parse(call.started_at));
    expect((await s.fetch(`/v1/calls/${id}/log`, { headers: { accept: "text/plain" } }).then((x) => x.text()))).toBe("line one\nline two\n");
    const list = await s.json("/v1/apps/cold/calls/log");
    expect(list.body.calls.map((c: { id: string }) => c.id)).toContain(id);
    const errors = await s.json("/v1/apps/cold/calls/log?status=error");
    expect(errors.body.calls).toEqual([]);
  });

  it("keeps a log with NUL bytes in it whole, before and after it is stored, each NUL as U+FFFD", async () => {
    const first = await startServer();
    let again: TestServer | undefined;
    try {
      await createRoute(first, "nul", "/log", { image: img("log") });
      const r = await invoke(first, "nul", "/log", { body: "before\0after\n" });
      expect(r.status).toBe(200);
      const id = r.headers.get("fn-call-id")!;
      const log = (srv: TestServer) => srv.fetch(`/v1/calls/${id}/log`, { headers: { accept: "text/plain" } }).then((x) => x.text());
      // as the recorder holds it
      expect(await log(first)).toBe("before\uFFFDafter\n");
      // as the database gives it back: a clean stop writes every record, and a new process reads them
      expect(await first.stop({ keepDir: true })).toBe(0);
      again = await startServer({ dir: first.dir });
      expect(await log(again)).toBe("before\uFFFDafter\n");
    } finally {
      await again?.stop();
      await first.stop().catch(() => 0);
    }
  });

  it("shows the caller its call's final record and log the moment the answer is back (read-your-writes)", async () => {
    for (let i = 0; i < 5; i++) {
      const r = await invoke(s, "cold", "/log", { body: `right away ${i}\n` });
      const id = r.headers.get("fn-call-id")!;
      // no wait: the record may not be in the database yet, the node that ran the call still has it
      const call = (await s.json(`/v1/calls/${id}`)).body.call;
      expect(call).toMatchObject({ id, status: "success" });
      expect(call.completed_at).toBeString();
      expect(await s.fetch(`/v1/calls/${id}/log`, { headers: { accept: "text/plain" } }).then((x) => x.text())).toBe(`right away ${i}\n`);
    }
  });
});
