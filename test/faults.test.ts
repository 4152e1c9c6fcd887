/**
 * Faults from outside, over real HTTP and Docker, each asserting what the caller sees and that
 * nothing is left over: a hot container killed mid-call, and SIGTERM while calls are in flight.
 */
import { Database } from "bun:sqlite";
import { describe, expect, it } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRoute, eventually, invoke } from "./helpers/fixtures.ts";
import { ensureImages, IMAGES } from "./helpers/images.ts";
import { containersOf, startServer } from "./helpers/server.ts";

const T = 120_000;

describe("a hot container killed from outside mid-call", () => {
  it("fails that call with 502, serves the next one on a new container, and leaves nothing behind", async () => {
    await ensureImages();
    const s = await startServer({ env: { HOTFN_ASYNC_WORKERS: "0" } });
    try {
      await createRoute(s, "faults", "/sleepy", { image: IMAGES.sleep, format: "http" });
      expect((await invoke(s, "faults", "/sleepy", { body: "1" })).status).toBe(200);
      const [id] = containersOf(s.node, "hotfn.route=/sleepy");
      const doomed = invoke(s, "faults", "/sleepy", { body: "10000" });
      await Bun.sleep(300); // the call is in the container now
      expect(Bun.spawnSync(["docker", "kill", id!]).exitCode).toBe(0);
      const r = await doomed;
      expect(r.status).toBe(502);
      expect(JSON.parse(r.text).error.message).toMatch(/exited with code 137|disappeared|connection to the function broke/);
      const next = await invoke(s, "faults", "/sleepy", { body: "1" });
      expect(next.status).toBe(200);
      expect(containersOf(s.node, "hotfn.route=/sleepy")).not.toContain(id!);
    } finally {
      await s.stop();
    }
    expect(containersOf(s.node)).toEqual([]);
  }, T);
});

describe("SIGTERM while calls are in flight", () => {
  it("lets the sync calls finish within the grace, returns the async claim to the queue, and a restart runs it", async () => {
    await ensureImages();
    const node = `faults-term-${crypto.randomUUID().slice(0, 6)}`;
    // The grace covers the calls still waiting for a container as well: on a loaded machine a start
    // with no network takes about 1 s, and 4 s once cut six of the eight before they began.
    const env = { HOTFN_NODE: node, HOTFN_ASYNC_WORKERS: "1", HOTFN_SHUTDOWN_GRACE: "15000" };
    const s = await startServer({ env });
    await createRoute(s, "term", "/work", { image: IMAGES.sleep, format: "http" });
    await createRoute(s, "term", "/later", { image: IMAGES.sleep, format: "http", type: "async", timeout: 60 });
    const asyncId = (await s.json("/r/term/later", { method: "POST", body: "30000" })).body.call_id as string;
    expect(await eventually(async () => (await s.json(`/v1/calls/${asyncId}`)).body.call.status === "running", 30_000)).toBe(true);
    // A little load: eight sync calls of 1.5 s each, all in flight when the signal comes.
    const sync = Array.from({ length: 8 }, () => invoke(s, "term", "/work", { body: "1500" }));
    await eventually(() => containersOf(node, "hotfn.route=/work").length > 0, 30_000);
    await Bun.sleep(200);
    s.proc.kill("SIGTERM");
    const answers = await Promise.all(sync);
    for (const a of answers) expect(a.status, a.text).toBe(200);
    expect(await s.proc.exited).toBe(0);
    expect(containersOf(node)).toEqual([]);

    const db = new Database(join(s.dir, "hotfn.db"), { readonly: true });
    const row = db.query<{ status: string; lease_owner: string | null }, [string]>("SELECT status, lease_owner FROM calls WHERE id = ?").get(asyncId);
    db.close();
    expect(row).toEqual({ status: "queued", lease_owner: null });

    const again = await startServer({ dir: s.dir, env: { ...env, HOTFN_SHUTDOWN_GRACE: "0" } });
    try {
      expect(await eventually(async () => (await again.json(`/v1/calls/${asyncId}`)).body.call.status === "running", 30_000)).toBe(true);
    } finally {
      await again.stop();
      rmSync(s.dir, { recursive: true, force: true });
    }
  }, T);
});

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)("the database's disk full", () => {
  it("answers 503 with Retry-After while it is full, loses no accepted async call, and recovers when space returns", async () => {
    await ensureImages();
    // A small disk of its own for the database: a tmpfs, filled and emptied by the test.
    const disk = mkdtempSync(join(tmpdir(), "hotfn-disk-"));
    expect(Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", disk]).exitCode).toBe(0);
    const s = await startServer({ env: { DB_URL: `file:${join(disk, "hotfn.db")}`, HOTFN_ASYNC_WORKERS: "0" } });
    try {
      await createRoute(s, "full", "/later", { image: IMAGES.echo, format: "http", type: "async" });
      const accepted: string[] = [];
      for (let i = 0; i < 3; i++) accepted.push((await s.json("/r/full/later", { method: "POST", body: `kept ${i}` })).body.call_id);

      // Fill the disk to the last byte.
      Bun.spawnSync(["dd", "if=/dev/zero", `of=${join(disk, "filler")}`, "bs=64k"], { stderr: "ignore" });
      const write = await s.json("/v1/apps", { method: "POST", body: { app: { name: "no-room" } } });
      expect(write.status).toBe(503);
      expect(write.headers.get("retry-after")).not.toBeNull();
      expect(write.body.error.message).toContain("SQLITE_FULL");
      const refused = await s.fetch("/r/full/later", { method: "POST", body: "x".repeat(200_000) });
      expect(refused.status).toBe(503);
      expect(s.logs()).not.toContain('"msg":"internal error"');

      rmSync(join(disk, "filler"));
      expect((await s.json("/v1/apps", { method: "POST", body: { app: { name: "room-again" } } })).status).toBe(200);
      for (const id of accepted) expect((await s.json(`/v1/calls/${id}`)).body.call.status).toBe("queued");
    } finally {
      await s.stop();
      Bun.spawnSync(["umount", "-l", disk]);
      rmSync(disk, { recursive: true, force: true });
    }
  }, T);
});

/** The dockerd that scripts/docker-up.sh started, if it did: the only engine a test may restart. */
const DOCKERD_PID_FILE = "/tmp/hotfn-dockerd.pid";
const ourDockerd = (() => {
  try {
    const pid = Number(readFileSync(DOCKERD_PID_FILE, "utf8").trim());
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
})();
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Restarts the engine that scripts/docker-up.sh started (never anyone else's). Set
 * HOTFN_TEST_KEEP_DOCKER=1 to skip it where other work shares the engine at the same time.
 */
const mayRestartDocker = ourDockerd !== undefined && process.env.HOTFN_TEST_KEEP_DOCKER !== "1";

describe.skipIf(!mayRestartDocker)("the Docker engine restarted during calls", () => {
  it("answers 503 while it is down, serves calls once it is back, and leaves no orphan containers", async () => {
    await ensureImages();
    const s = await startServer({ env: { HOTFN_ASYNC_WORKERS: "0", HOTFN_MEMORY_WAIT: "2000" } });
    const exited = () => Bun.spawnSync(["docker", "ps", "-aq", "--filter", `label=hotfn.node=${s.node}`, "--filter", "status=exited"]).stdout.toString().trim();
    try {
      await createRoute(s, "restart", "/echo", { image: IMAGES.echo, format: "http" });
      await createRoute(s, "restart", "/fresh", { image: IMAGES.echo, format: "http" });
      expect((await invoke(s, "restart", "/echo", { body: "before" })).text).toBe("before");
      try {
        process.kill(ourDockerd!, "SIGTERM");
        // Gone, not only silent: a second dockerd would not start beside a dying one.
        expect(await eventually(() => !alive(ourDockerd!), 90_000, 200)).toBe(true);
        // A call that needs a container start while the engine is down: 503, come back later.
        const down = await invoke(s, "restart", "/fresh", { body: "while down" });
        expect(down.status).toBe(503);
        expect(down.headers.get("retry-after")).not.toBeNull();
      } finally {
        // Whatever happened above, the engine comes back: every test after this one needs it.
        const up = Bun.spawnSync(["bash", join(import.meta.dir, "../scripts/docker-up.sh")]);
        expect(up.exitCode, up.stderr.toString()).toBe(0);
      }
      for (const path of ["/echo", "/fresh"]) {
        expect(await eventually(async () => (await invoke(s, "restart", path, { body: "after" })).text === "after", 60_000, 500), path).toBe(true);
      }
      // The containers the restart stopped are removed once the engine takes the removals again.
      expect(await eventually(() => exited() === "", 30_000, 500)).toBe(true);
    } finally {
      await s.stop();
    }
    expect(containersOf(s.node)).toEqual([]);
  }, 240_000);
});
