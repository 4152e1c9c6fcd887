/**
 * The container lockdown, seen from both sides over real HTTP and real Docker: `docker inspect` shows
 * a read-only root, a size-limited /tmp, CPU in proportion to memory (and the operator's hard cap),
 * a nofile limit and an unprivileged user; the function itself finds it runs as that user, can write
 * /tmp and nothing else. An image's own non-root USER is kept; a route opts out with `user: "root"`.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { ensureImages, IMAGES } from "./helpers/images.ts";
import { createRoute, expectNoNetwork, inspectContainer, invoke } from "./helpers/fixtures.ts";
import { containersOf, startServer, type TestServer } from "./helpers/server.ts";

const T = 60_000;
const APP = "locked";
/** An image of the test program whose Dockerfile says USER 4321:4321, built for this suite. */
const USER_IMAGE = `hotfn-test/echo-user:${crypto.randomUUID().slice(0, 8)}`;

let s: TestServer;
beforeAll(async () => {
  await ensureImages();
  const build = Bun.spawnSync(["docker", "build", "-q", "-t", USER_IMAGE, "-"], { stdin: new TextEncoder().encode(`FROM ${IMAGES.echo}\nUSER 4321:4321\n`) });
  expect(build.exitCode, build.stderr.toString()).toBe(0);
  s = await startServer({ env: { HOTFN_CPUS_PER_GB: "1" } });
  await createRoute(s, APP, "/stream", { image: IMAGES.echo, format: "http-stream", memory: 256 });
  await createRoute(s, APP, "/cold", { image: IMAGES.echo, format: "default", memory: 128 });
  await createRoute(s, APP, "/own-user", { image: USER_IMAGE, format: "http", memory: 128 });
  await createRoute(s, APP, "/as-root", { image: IMAGES.echo, format: "http", memory: 128, user: "root" });
  await createRoute(s, APP, "/as-uid", { image: IMAGES.echo, format: "json", memory: 128, user: "1000:1000" });
}, T);
afterAll(async () => {
  await s.stop();
  Bun.spawnSync(["docker", "rmi", "-f", USER_IMAGE]);
}, T);

async function whoami(path: string) {
  const r = await invoke(s, APP, path, { body: "whoami" });
  expect(r.status, r.text).toBe(200);
  return JSON.parse(r.text) as { uid: number; gid: number; rootWritable: boolean; tmpWritable: boolean };
}

function inspect(route: string): any {
  const [id] = containersOf(s.node, `hotfn.route=${route}`);
  expect(id, `a container of ${route}`).toBeDefined();
  return inspectContainer(id!);
}

describe("container lockdown", () => {
  it("runs a function as nobody, on a read-only root with a writable /tmp (http-stream, through the FDK)", async () => {
    expect(await whoami("/stream")).toEqual({ uid: 65534, gid: 65534, rootWritable: false, tmpWritable: true });
  }, T);

  it("shows in docker inspect: read-only root, /tmp tmpfs of the route's memory, CPU shares and cap by memory, nofile, user", async () => {
    await whoami("/stream");
    const c = inspect("/stream");
    expect(c.Config.User).toBe("65534:65534");
    expect(c.HostConfig).toMatchObject({
      ReadonlyRootfs: true,
      CpuShares: 256,
      NanoCpus: 0.25e9,
      Ulimits: [{ Name: "nofile", Soft: 1024, Hard: 1024 }],
      // what hotfn locked down before, kept
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges"],
      PidsLimit: 256,
      Memory: 256 * 1024 * 1024,
      MemorySwap: 256 * 1024 * 1024,
    });
    expect(c.HostConfig.Tmpfs["/tmp"]).toContain("size=256m");
    expectNoNetwork(s.node, c);
  }, T);

  it("locks down a one-call (default format) container the same way", async () => {
    expect(await whoami("/cold")).toEqual({ uid: 65534, gid: 65534, rootWritable: false, tmpWritable: true });
  }, T);

  it("keeps an image's own non-root USER", async () => {
    expect(await whoami("/own-user")).toMatchObject({ uid: 4321, gid: 4321, rootWritable: false });
  }, T);

  it("runs as the route's user when it names one; user root is the opt-out, with the rest of the lockdown kept", async () => {
    expect(await whoami("/as-uid")).toMatchObject({ uid: 1000, gid: 1000, rootWritable: false });
    expect(await whoami("/as-root")).toMatchObject({ uid: 0, rootWritable: false, tmpWritable: true });
    const root = inspect("/as-root");
    expect(root.HostConfig).toMatchObject({ ReadonlyRootfs: true, CapDrop: ["ALL"] });
    expectNoNetwork(s.node, root);
  }, T);

  it("refuses a route user that Docker could not read", async () => {
    const r = await s.json(`/v1/apps/${APP}/routes`, { method: "POST", body: { route: { path: "/bad-user", image: IMAGES.echo, user: "root; rm -rf /" } } });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain("route.user");
  }, T);
});
