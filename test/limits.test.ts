import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createRoute, eventually, expectNoNetwork, img, invoke } from "./helpers/fixtures.ts";
import { ensureImages } from "./helpers/images.ts";
import { containersOf, startServer, type TestServer } from "./helpers/server.ts";

let s: TestServer;
beforeAll(async () => {
  await ensureImages();
  // Room for one 64 MiB function at a time, so memory admission can be seen; small body caps.
  s = await startServer({ env: { HOTFN_MAX_MEMORY: "100", HOTFN_MEMORY_WAIT: "1500", HOTFN_MAX_REQUEST_BODY: "1024", HOTFN_MAX_RESPONSE_BODY: "2048" } });
}, 300_000);
afterAll(async () => {
  await s.stop();
});

const inspect = (id: string) => JSON.parse(Bun.spawnSync(["docker", "inspect", id]).stdout.toString())[0];

describe("limits", () => {
  it("kills a default-format run at its timeout and answers 504", async () => {
    await createRoute(s, "lim", "/slow-cold", { image: img("sleep"), timeout: 1, memory: 64 });
    const r = await invoke(s, "lim", "/slow-cold", { body: "5000" });
    expect(r.status).toBe(504);
    const id = r.headers.get("fn-call-id")!;
    expect(await eventually(async () => (await s.json(`/v1/calls/${id}`)).body?.call?.status === "timeout")).toBe(true);
    expect(await eventually(() => containersOf(s.node, "hotfn.app=lim").length === 0)).toBe(true);
  });

  it("kills a hot container that overruns its timeout, answers 504, and serves the next call fresh", async () => {
    await createRoute(s, "lim", "/slow-hot", { image: img("sleep"), format: "http", timeout: 1, memory: 64 });
    const r = await invoke(s, "lim", "/slow-hot", { body: "5000" });
    expect(r.status).toBe(504);
    expect(await eventually(() => containersOf(s.node, "hotfn.route=/slow-hot").length === 0)).toBe(true);
    const next = await invoke(s, "lim", "/slow-hot", { body: "10" });
    expect(next.status).toBe(200);
    expect(next.text).toBe("slept 10");
  });

  it("enforces memory as a hard limit: a hog is OOM-killed and its call says so", async () => {
    await createRoute(s, "lim", "/hog", { image: img("hog"), memory: 48 });
    const r = await invoke(s, "lim", "/hog", { body: "x" });
    expect(r.status).toBe(502);
    expect(JSON.parse(r.text).error.message).toMatch(/out of memory/i);
  });

  it("refuses a call body over the cap with 413, and a function answer over the cap with 502", async () => {
    // The echo answers "env" with its environment as JSON, which this config makes larger than 2 KiB.
    await createRoute(s, "lim", "/echo", { image: img("echo"), format: "http", memory: 64, config: { BIG: "z".repeat(3000) } });
    expect((await invoke(s, "lim", "/echo", { body: "x".repeat(2000) })).status).toBe(413);
    expect((await invoke(s, "lim", "/echo", { body: "small" })).text).toBe("small");
    const big = await invoke(s, "lim", "/echo", { body: "env" });
    expect(big.status).toBe(502);
    expect(JSON.parse(big.text).error.message).toMatch(/larger than 2048 bytes/);
  });

  it("waits for memory, then answers 503 with Retry-After when the wait bound passes", async () => {
    await createRoute(s, "mem", "/a", { image: img("sleep"), memory: 64, timeout: 10 });
    await createRoute(s, "mem", "/b", { image: img("sleep"), memory: 64, timeout: 10 });
    const [a, b] = await Promise.all([invoke(s, "mem", "/a", { body: "4000" }), (async () => (await Bun.sleep(300), invoke(s, "mem", "/b", { body: "10" })))()]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(503);
    expect(Number(b.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("fails fast with a clear error for an image that is not there", async () => {
    await createRoute(s, "lim", "/missing", { image: "hotfn-test/does-not-exist:1", format: "http", memory: 64 });
    const r = await invoke(s, "lim", "/missing", { body: "x" });
    expect(r.status).toBe(502);
    expect(JSON.parse(r.text).error.message).toContain("hotfn-test/does-not-exist:1");
  });
});

describe("connections", () => {
  it("keep a sync call open past the connection idle timeout while the function runs", async () => {
    const other = await startServer({ env: { HOTFN_CONN_IDLE_TIMEOUT: "1" } });
    try {
      await createRoute(other, "idle", "/slow", { image: img("sleep"), format: "http", memory: 64, timeout: 10 });
      const r = await invoke(other, "idle", "/slow", { body: "3000" });
      expect(r.status).toBe(200);
      expect(r.text).toBe("slept 3000");
      // Without a body (a GET, an empty POST) Bun took the connection for idle once the request was
      // read, and cut it: the bench's calls that waited past 60 s for a container all failed there.
      const get = await other.fetch("/r/idle/slow?payload=3000", { timeout: false } as RequestInit);
      expect(get.status).toBe(200);
      expect(await get.text()).toBe("slept 3000");
      await createRoute(other, "idle", "/empty", { image: img("sleep"), format: "http", memory: 64, timeout: 10, config: { SLEEP_MS: "3000" } });
      const empty = await other.fetch("/r/idle/empty", { method: "POST", timeout: false } as RequestInit);
      expect(empty.status).toBe(200);
    } finally {
      await other.stop();
    }
  });
});

describe("container safety", () => {
  it("runs functions without network or capabilities, with no-new-privileges, a pids limit and labels", async () => {
    await createRoute(s, "safe", "/f", { image: img("echo"), format: "http", memory: 64 });
    expect((await invoke(s, "safe", "/f", { body: "x" })).status).toBe(200);
    const [id] = containersOf(s.node, "hotfn.app=safe");
    const c = inspect(id!);
    expectNoNetwork(s.node, c);
    expect(c.HostConfig.CapDrop).toContain("ALL");
    expect(c.HostConfig.SecurityOpt).toContain("no-new-privileges");
    expect(c.HostConfig.PidsLimit).toBeGreaterThan(0);
    expect(c.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(c.Config.Labels).toMatchObject({ hotfn: "1", "hotfn.node": s.node, "hotfn.app": "safe", "hotfn.route": "/f" });
  });
});

describe("start-up", () => {
  it("removes containers a previous run of the same node left behind", async () => {
    const node = `test-leftover-${crypto.randomUUID().slice(0, 6)}`;
    const made = Bun.spawnSync(["docker", "create", "--label", "hotfn=1", "--label", `hotfn.node=${node}`, "--label", "hotfn.instance=old", img("echo")]);
    expect(made.exitCode).toBe(0);
    expect(containersOf(node).length).toBe(1);
    const other = await startServer({ env: { HOTFN_NODE: node } });
    try {
      expect(containersOf(node).length).toBe(0);
    } finally {
      await other.stop();
    }
  });

  it("leaves alone the containers of another live process of the same node name with a database of its own", async () => {
    const node = `test-twin-${crypto.randomUUID().slice(0, 6)}`;
    const servers: TestServer[] = [];
    try {
      const first = await startServer({ env: { HOTFN_NODE: node } });
      servers.push(first);
      await createRoute(first, "twin", "/f", { image: img("echo"), format: "http-stream" });
      expect((await invoke(first, "twin", "/f", { body: "one" })).text).toBe("one");
      const before = containersOf(node);
      expect(before.length).toBe(1);

      const second = await startServer({ env: { HOTFN_NODE: node } });
      servers.push(second);
      expect(second.logs()).toContain(`another hotfn process on this machine runs as node ${node}`);
      expect(containersOf(node)).toEqual(before);
      // the first one's hot container still answers, over the socket the second did not remove
      expect((await invoke(first, "twin", "/f", { body: "two" })).text).toBe("two");
      expect(containersOf(node)).toEqual(before);

      // killed, the first one leaves its container behind; the next start of the node removes it
      await first.kill();
      expect(containersOf(node)).toEqual(before);
      const third = await startServer({ env: { HOTFN_NODE: node } });
      servers.push(third);
      expect(containersOf(node)).toEqual([]);
    } finally {
      for (const s of servers.reverse()) await s.stop();
    }
  });

  it("serves its API without a Docker engine, and answers calls with 503", async () => {
    const other = await startServer({ env: { DOCKER_HOST: "unix:///tmp/hotfn-no-docker.sock" } });
    try {
      expect(other.logs()).toContain("no Docker engine answers");
      await createRoute(other, "nodocker", "/f", { image: img("echo"), format: "http" });
      const r = await invoke(other, "nodocker", "/f", { body: "x" });
      expect(r.status).toBe(503);
      expect(JSON.parse(r.text).error.message).toMatch(/docker/i);
    } finally {
      await other.stop();
    }
  });
});
