/**
 * Which images run, over real HTTP and Docker: HOTFN_ALLOWED_IMAGES refuses other images when a route
 * is written (400) and, for a route written before the list changed, when it is called (502);
 * HOTFN_PULL decides whether a missing image is pulled; a caller never reads the engine's own words.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { rmSync } from "node:fs";
import { createRoute, invoke } from "./helpers/fixtures.ts";
import { ensureImages, IMAGES } from "./helpers/images.ts";
import { startServer, type TestServer } from "./helpers/server.ts";

const T = 60_000;

describe("HOTFN_ALLOWED_IMAGES", () => {
  let s: TestServer;
  beforeAll(async () => {
    await ensureImages();
    // Written on a server without the list: a route whose image the list will not allow.
    const before = await startServer({ env: { HOTFN_ASYNC_WORKERS: "0" } });
    await createRoute(before, "imgs", "/legacy", { image: "elsewhere/legacy:1", format: "http" });
    await before.stop({ keepDir: true });
    s = await startServer({ dir: before.dir, env: { HOTFN_ALLOWED_IMAGES: "hotfn-test/*, registry.example.com/team/**", HOTFN_ASYNC_WORKERS: "0" } });
  }, T);
  afterAll(async () => {
    await s.stop();
    // started on the first server's directory: stop() leaves a directory it did not make
    rmSync(s.dir, { recursive: true, force: true });
  }, T);

  it("refuses a route whose image matches no pattern, naming the setting", async () => {
    for (const image of ["busybox", "hotfn-test/sub/echo:1", "registry.example.com/other/fn:1"]) {
      const r = await s.json("/v1/apps/imgs/routes", { method: "POST", body: { route: { path: "/refused", image } } });
      expect(r.status, image).toBe(400);
      expect(r.body.error.message).toContain("HOTFN_ALLOWED_IMAGES");
    }
    expect((await s.json("/v1/apps/imgs/routes/refused")).status).toBe(404);
  }, T);

  it("accepts allowed images, and refuses an update to a disallowed one", async () => {
    await createRoute(s, "imgs", "/ok", { image: IMAGES.echo, format: "http" });
    await createRoute(s, "imgs", "/deep", { image: "registry.example.com/team/a/b:2" });
    const r = await s.json("/v1/apps/imgs/routes/ok", { method: "PATCH", body: { route: { image: "busybox:latest" } } });
    expect(r.status).toBe(400);
    expect((await s.json("/v1/apps/imgs/routes/ok")).body.route.image).toBe(IMAGES.echo);
    expect((await invoke(s, "imgs", "/ok", { body: "allowed" })).text).toBe("allowed");
  }, T);

  it("refuses at call time a route written before the list, without touching Docker", async () => {
    const r = await invoke(s, "imgs", "/legacy", { body: "x" });
    expect(r.status).toBe(502);
    expect(r.text).toContain("is not allowed on this node (HOTFN_ALLOWED_IMAGES)");
  }, T);
});

describe("HOTFN_PULL", () => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
  }, T);
  const serve = async (pull?: string) => {
    const s = await startServer({ env: { HOTFN_ASYNC_WORKERS: "0", ...(pull ? { HOTFN_PULL: pull } : {}) } });
    servers.push(s);
    return s;
  };

  it("missing (the default): tries to pull an absent image, and the caller reads why without the registry's words; the log has them", async () => {
    const s = await serve();
    await createRoute(s, "pulls", "/absent", { image: "hotfn-test/never-built:1", format: "http" });
    const r = await invoke(s, "pulls", "/absent");
    expect(r.status).toBe(502);
    expect(JSON.parse(r.text)).toEqual({ error: { message: "image hotfn-test/never-built:1 is not present on this node and could not be pulled; hotfn's log has the registry's answer" } });
    const logged = s.logs().split("\n").find((l) => l.includes("could not be pulled") && l.includes('"cause"'));
    expect(logged).toBeDefined();
  }, T);

  it("never: fails an absent image at once, saying pulling is off", async () => {
    const s = await serve("never");
    await createRoute(s, "pulls", "/absent", { image: "hotfn-test/never-built:1", format: "default" });
    const r = await invoke(s, "pulls", "/absent");
    expect(r.status).toBe(502);
    expect(r.text).toContain("HOTFN_PULL=never");
    expect(s.logs()).not.toContain("could not be pulled");
  }, T);

  it("always: pulls even an image that is present (here no registry answers, so the call fails)", async () => {
    await ensureImages();
    const s = await serve("always");
    await createRoute(s, "pulls", "/present", { image: IMAGES.echo, format: "http" });
    const r = await invoke(s, "pulls", "/present");
    expect(r.status).toBe(502);
    expect(r.text).toContain("could not be pulled (HOTFN_PULL=always)");
  }, T);
});
