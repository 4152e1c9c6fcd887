/**
 * Bad input is refused when it is written, with Fn's own words where Fn had them, and never becomes
 * a 500 when it is called: image references Docker would refuse, header values HTTP cannot carry,
 * config too large for an environment, lists where objects belong, two patterns of one shape,
 * methods a path does not take (405 with Allow), and callers that go away (499, logged at info).
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createRoute, eventually, invoke } from "./helpers/fixtures.ts";
import { ensureImages, IMAGES } from "./helpers/images.ts";
import { startServer, type TestServer } from "./helpers/server.ts";

const T = 60_000;
let s: TestServer;
beforeAll(async () => {
  await ensureImages();
  s = await startServer();
}, T);
afterAll(async () => {
  await s.stop();
}, T);

let seq = 0;
const freshApp = () => `vapp-${++seq}`;
const postRoute = (app: string, route: unknown) => s.json(`/v1/apps/${app}/routes`, { method: "POST", body: { route } });

describe("what a route write accepts can run", () => {
  it.each([
    ["an upper-case repository", "probe/ECHO:1"],
    ["a .. component", "a/../b"],
    ["stray colons and at signs", "a:::@@b"],
    ["a digest that is not hex", "a@sha256:zz"],
    ["a short sha256 digest", "a@sha256:abc"],
    ["a 255-character name (Docker reads it as library/<name>)", "a".repeat(255)],
    ["a tag that starts with a dot", "a:.x"],
    ["a separator at the end", "a-/b"],
  ])("refuses an image reference with %s: 400, Invalid route Image", async (_, image) => {
    const r = await postRoute(freshApp(), { path: "/x", image });
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.error.message).toStartWith("Invalid route Image: route.image: ");
  });

  it("takes the references Docker takes", async () => {
    const app = freshApp();
    const refs = ["busybox", "a__b/c-d.e:tag_1", "localhost:5000/a/b:1", "registry.example.com/team/fn@sha256:" + "ab".repeat(32), "a".repeat(247)];
    for (const [i, image] of refs.entries()) expect((await postRoute(app, { path: `/ok${i}`, image })).status, image).toBe(200);
  });

  it("refuses header values HTTP cannot carry and headers hotfn sets itself", async () => {
    for (const headers of [{ "X-U": ["ü€"] }, { "X-U": "tab\tok but newline\n" }, { "Fn-Call-Id": "mine" }, { "X-Request-Id": "x" }, { Connection: "close" }]) {
      const r = await postRoute(freshApp(), { path: "/h", image: "busybox", headers });
      expect(r.status, JSON.stringify(headers)).toBe(400);
      expect(r.body.error.message).toContain("route.headers");
    }
    expect((await postRoute(freshApp(), { path: "/h", image: "busybox", headers: { "Cache-Control": "no-store", "X-T": "a\tb" } })).status).toBe(200);
  });

  it("caps a function's environment: keys per config, and app plus route config together", async () => {
    const many = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`K${i}`, "v"]));
    const r = await postRoute(freshApp(), { path: "/c", image: "busybox", config: many });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain("at most 256 keys");

    const app = freshApp();
    expect((await s.json("/v1/apps", { method: "POST", body: { app: { name: app, config: { BIG: "a".repeat(40_000) } } } })).status).toBe(200);
    const over = await postRoute(app, { path: "/c", image: "busybox", config: { MORE: "b".repeat(30_000) } });
    expect(over.status).toBe(400);
    expect(over.body.error.message).toContain("app and route config together");
    expect((await postRoute(app, { path: "/c", image: "busybox", config: { MORE: "b".repeat(20_000) } })).status).toBe(200);
    const grow = await s.json(`/v1/apps/${app}`, { method: "PATCH", body: { app: { config: { EXTRA: "c".repeat(10_000) } } } });
    expect(grow.status).toBe(400);
    expect(grow.body.error.message).toContain("app.config");
  });

  it("refuses lists where objects belong", async () => {
    const app = freshApp();
    await createRoute(s, app, "/obj", { image: "busybox" });
    for (const [url, method, body, field] of [
      [`/v1/apps/${app}/routes/obj`, "PATCH", { route: [] }, "route"],
      [`/v1/apps/${app}/routes/obj`, "PATCH", { route: { config: [] } }, "route.config"],
      [`/v1/apps/${app}/routes`, "POST", { route: { path: "/l", image: "busybox", headers: [] } }, "route.headers"],
      [`/v1/apps/${app}`, "PATCH", { app: { config: [] } }, "app.config"],
      ["/v1/apps", "POST", [], "body"],
    ] as const) {
      const r = await s.json(url, { method, body });
      expect(r.status, `${method} ${url} ${JSON.stringify(body)}`).toBe(400);
      expect(r.body.error.message).toContain(`${field}: must be an object`);
    }
  });

  it("refuses a second pattern of the same shape (409): it could never be reached", async () => {
    const app = freshApp();
    expect((await postRoute(app, { path: "/w/:a", image: "busybox" })).status).toBe(200);
    const twin = await postRoute(app, { path: "/w/:b", image: "busybox" });
    expect(twin.status).toBe(409);
    expect(twin.body.error.message).toStartWith("Route already exists: /w/:a");
    expect((await postRoute(app, { path: "/w/exact", image: "busybox" })).status).toBe(200);
    expect((await postRoute(app, { path: "/w/:a/more", image: "busybox" })).status).toBe(200);
  });
});

describe("Fn's messages", () => {
  it("start the messages of the error kinds Fn v1 had", async () => {
    const app = freshApp();
    const starts = async (url: string, init: Parameters<TestServer["json"]>[1], status: number, phrase: string) => {
      const r = await s.json(url, init);
      expect(r.status, `${url} ${JSON.stringify(r.body)}`).toBe(status);
      expect(r.body.error.message).toStartWith(phrase);
    };
    await starts(`/v1/apps/${app}`, {}, 404, "App not found");
    await starts(`/v1/apps/${app}/routes/nope`, {}, 404, "App not found");
    await createRoute(s, app, "/there", { image: "busybox" });
    await starts(`/v1/apps/${app}/routes/nope`, {}, 404, "Route not found");
    await starts("/v1/apps", { method: "POST", body: { app: { name: app } } }, 409, "App already exists");
    await starts(`/v1/apps/${app}/routes`, { method: "POST", body: { route: { path: "/there", image: "busybox" } } }, 409, "Route already exists");
    await starts(`/v1/apps/${app}`, { method: "DELETE" }, 400, "Cannot remove apps with routes");
    await starts(`/v1/apps/${app}`, { method: "PATCH", body: { app: { name: "other" } } }, 400, "Could not update app - name is immutable");
    await starts(`/v1/apps/${app}/routes/there`, { method: "PATCH", body: { route: { path: "/elsewhere" } } }, 400, "Could not update route - path is immutable");
    await starts("/v1/apps", { method: "POST", body: "{nope" }, 400, "Invalid JSON");
    await starts("/v1/apps", { method: "POST", body: { app: {} } }, 400, "Missing app name");
    await starts("/v1/apps", { method: "POST", body: { app: { name: "no spaces" } } }, 400, "Invalid app name");
    await starts(`/v1/apps/${app}/routes`, { method: "POST", body: { route: { path: "/n" } } }, 400, "Missing route Image");
    await starts(`/v1/apps/${app}/routes`, { method: "POST", body: { route: { path: "/n", image: "busybox", type: "batch" } } }, 400, "Invalid route Type");
    await starts(`/v1/apps/${app}/routes`, { method: "POST", body: { route: { path: "/n", image: "busybox", format: "xml" } } }, 400, "Invalid route Format");
    await starts(`/v1/apps/${app}/routes`, { method: "POST", body: { route: { path: "no-slash", image: "busybox" } } }, 400, "Invalid Path format");
    await starts(`/r/${app}/nope`, { method: "POST" }, 404, "Route not found");
    await starts(`/r/${freshApp()}/nope`, { method: "POST" }, 404, "App not found");
  });

  it("says Timed out when a function runs past its timeout", async () => {
    const app = freshApp();
    await createRoute(s, app, "/slow", { image: IMAGES.sleep, format: "http", timeout: 1 });
    const r = await invoke(s, app, "/slow", { body: "5000" });
    expect(r.status).toBe(504);
    expect(JSON.parse(r.text).error.message).toStartWith("Timed out");
  }, T);
});

describe("methods", () => {
  it("answers 405 with Allow for a method a /v1 path does not take", async () => {
    const app = freshApp();
    await createRoute(s, app, "/a/b", { image: "busybox" });
    for (const [method, url, allow] of [
      ["PUT", "/v1/apps", "GET, HEAD, POST"],
      ["OPTIONS", "/v1/apps", "GET, HEAD, POST"],
      ["TRACE", `/v1/apps/${app}`, "DELETE, GET, HEAD, PATCH"],
      ["PUT", `/v1/apps/${app}/routes/a/b`, "DELETE, GET, HEAD, PATCH"],
      ["POST", "/v1/version", "GET, HEAD"],
      ["DELETE", "/version", "GET, HEAD"],
    ]) {
      const res = await s.fetch(url!, { method });
      expect(res.status, `${method} ${url}`).toBe(405);
      expect(res.headers.get("allow")).toBe(allow!);
      // (Bun's fetch drops the body of an answer to OPTIONS and TRACE; curl shows it is there.)
      if (method !== "OPTIONS" && method !== "TRACE") expect(((await res.json()) as { error: { message: string } }).error.message).toStartWith("Method not allowed");
    }
    expect((await s.fetch("/v1/no/such/thing", { method: "PUT" })).status).toBe(404);
  });
});

describe("callers that go away", () => {
  it("records a call whose caller hung up while it waited as cancelled, logged at info, never a 500", async () => {
    const app = freshApp();
    await createRoute(s, app, "/cold", { image: IMAGES.echo, format: "http" });
    // The first call waits for a cold start: hang up while it does.
    const gone = new AbortController();
    const call = s.fetch(`/r/${app}/cold`, { method: "POST", body: "x", signal: gone.signal }).catch((e: unknown) => e);
    await Bun.sleep(50);
    gone.abort();
    await call;
    expect(
      await eventually(async () => {
        const list = await s.json(`/v1/apps/${app}/calls/cold?status=cancelled`);
        return list.body.calls?.length === 1;
      }),
    ).toBe(true);
    expect(s.logs()).toContain('"level":"info","msg":"the caller went away before the call started"');
    expect(s.logs()).not.toContain("internal error");
  }, T);

  it("does not log a body shorter than its Content-Length as hotfn's own fault", async () => {
    const app = freshApp();
    await createRoute(s, app, "/short", { image: IMAGES.echo, format: "http" });
    const { hostname, port } = new URL(s.url);
    const socket = await Bun.connect({ hostname, port: Number(port), socket: { data() {} } });
    socket.write(`POST /r/${app}/short HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly a few bytes`);
    await Bun.sleep(100);
    socket.end();
    expect(await eventually(() => s.logs().includes("the caller stopped sending its body"))).toBe(true);
    expect(s.logs()).not.toContain("internal error");
  }, T);
});

describe("caller headers in a default-format function's environment", () => {
  it("never collide (X_Foo is left out) and never override config", async () => {
    const app = freshApp();
    await createRoute(s, app, "/env", { image: IMAGES.echo, config: { HEADER_X_SET: "from config", FN_HEADER_X_SET: "from config too" } });
    const r = await invoke(s, app, "/env", { body: "env", headers: { "X-Foo": "dash", X_Foo: "underscore", "X-Set": "from caller" } });
    expect(r.status).toBe(200);
    const env = JSON.parse(r.text) as Record<string, string>;
    expect(env.FN_HEADER_X_FOO).toBe("dash");
    expect(env.HEADER_X_FOO).toBe("dash");
    expect(env.HEADER_X_SET).toBe("from config");
    expect(env.FN_HEADER_X_SET).toBe("from config too");
  }, T);
});
