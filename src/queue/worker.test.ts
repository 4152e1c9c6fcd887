/**
 * The async workers against a real temp libSQL file and a scripted Runner (no Docker): they drain
 * the queue, record outcomes, wake on notify, give calls back when the runner is busy, close calls
 * of deleted routes, and on stop return unfinished claims to the queue.
 */
import { afterAll, afterEach, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Busy, FunctionTimeout } from "../errors.ts";
import { createLogger } from "../log.ts";
import type { Invocation, Runner, RunOutcome } from "../runner/types.ts";
import { openStore, type Store } from "../store/index.ts";
import { createAsyncQueue } from "./async-queue.ts";
import { createClaims } from "./claims.ts";
import { type AsyncWorkers, createAsyncWorkers } from "./worker.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * A runner whose answer per call is scripted by the call's body: `sleep:<ms>`, `busy`, `timeout`,
 * `late-log` (stderr that trails the answer by 60 ms), or echo. With a capacity, it refuses (Busy)
 * a call that finds that many already running, as a runner out of containers does.
 */
function scriptedRunner() {
  const seen: Invocation[] = [];
  let busyLeft = 0;
  let capacity = Infinity;
  let inRunner = 0;
  let mostInRunner = 0;
  const runner: Runner & { seen: Invocation[]; busyTimes(n: number): void; capacity(n: number): void; mostInRunner(): number } = {
    seen,
    busyTimes(n) {
      busyLeft = n;
    },
    capacity(n) {
      capacity = n;
    },
    mostInRunner: () => mostInRunner,
    async run(inv) {
      seen.push(inv);
      const body = dec.decode(inv.body);
      const startedAt = new Date();
      if (body === "busy" && busyLeft-- > 0) throw new Busy("no memory");
      if (inRunner >= capacity) throw new Busy("no container came in time");
      inRunner++;
      mostInRunner = Math.max(mostInRunner, inRunner);
      try {
        return await answer(inv, body, startedAt);
      } finally {
        inRunner--;
      }
    },
    retire() {},
    async stop() {},
  };
  async function answer(inv: Invocation, body: string, startedAt: Date): Promise<RunOutcome> {
      if (body.startsWith("sleep:")) {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, Number(body.slice(6)));
          inv.signal?.addEventListener("abort", () => {
            clearTimeout(t);
            reject(inv.signal?.reason);
          });
        });
      }
      if (body === "timeout") {
        return { status: "timeout", error: new FunctionTimeout("timed out after 1s"), log: { text: () => "partial log" }, startedAt, completedAt: new Date() };
      }
      let log = `log of ${body}`;
      if (body === "late-log") setTimeout(() => (log += "\nlast line, after the answer"), 60);
      return { status: "success", response: { status: 200, headers: [], body: enc.encode(`ran ${body}`) }, log: { text: () => log }, startedAt, completedAt: new Date() };
  }
  return runner;
}

interface World {
  store: Store;
  runner: ReturnType<typeof scriptedRunner>;
  workers: AsyncWorkers;
  enqueue(body: string, path?: string): Promise<string>;
  /** claims so far that found the queue empty */
  emptyClaims(): number;
  /** claims so far that found calls */
  claimBatches(): number;
  settle(id: string): Promise<string>;
}

let open: World[] = [];
afterEach(async () => {
  for (const w of open) {
    await w.workers.stop(0);
    await w.store.close();
  }
  open = [];
});

async function world(opts: { workers?: number; dir?: string; node?: string; backoff?: { minMs: number; maxMs: number } } = {}): Promise<World> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "hotfn-worker-"));
  if (!opts.dir) dirs.push(dir);
  const log = createLogger("silent");
  const store = await openStore({ url: `file:${join(dir, "w.db")}`, log });
  const runner = scriptedRunner();
  const real = createClaims({ queue: store.queue, routeCache: store.routeCache, leaseMs: 1000 });
  // Counts the claims that found nothing, so a test can wait for the dispatcher to go to sleep.
  let empty = 0;
  let batches = 0;
  const claims = {
    ...real,
    nextMany: async (lease: string, limit: number) => {
      const claimed = await real.nextMany(lease, limit);
      if (claimed.length === 0) empty++;
      else batches++;
      return claimed;
    },
  };
  const workers = createAsyncWorkers({
    claims,
    releaseOwnedBy: (prefix, except) => store.queue.releaseOwnedBy(prefix, except),
    runner,
    workers: opts.workers ?? 2,
    nodeId: opts.node ?? "node-a",
    log,
    backoff: opts.backoff ?? { minMs: 5, maxMs: 50 },
  });
  const queue = createAsyncQueue({ queue: store.queue, bounds: { calls: 1000, bytes: 1 << 30 }, onEnqueued: workers.notify });
  const w: World = {
    store,
    runner,
    workers,
    emptyClaims: () => empty,
    claimBatches: () => batches,
    async enqueue(body, path = "/fn") {
      const { app, route, params } = await store.routeCache.resolve("app", path);
      const callId = Bun.randomUUIDv7();
      await queue.enqueue({ callId, app, route, params, method: "POST", url: `http://h/r/app${path}`, headers: [["X-A", "1"], ["x-a", "2"]], body: enc.encode(body) });
      return callId;
    },
    async settle(id) {
      for (let i = 0; i < 500; i++) {
        const c = await store.calls.get(id);
        if (c.status !== "queued" && c.status !== "running") return c.status;
        await Bun.sleep(10);
      }
      throw new Error(`call ${id} did not settle`);
    },
  };
  open.push(w);
  if (!opts.dir) {
    const base = { appName: "app", image: "img", type: "async", format: "json", memory: 128, timeout: 30, idleTimeout: 30, user: "", headers: {}, config: {} } as const;
    await store.routes.create({ ...base, path: "/fn" });
    await store.routes.create({ ...base, path: "/gone" });
    await store.routes.create({ ...base, path: "/users/:id" });
  }
  return w;
}

describe("async workers", () => {
  it("drain the queue and record each outcome, output and log", async () => {
    const w = await world();
    await w.workers.start();
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => w.enqueue(`job ${i}`)));
    for (const [i, id] of ids.entries()) {
      expect(await w.settle(id)).toBe("success");
      expect(dec.decode((await w.store.calls.output(id)) ?? undefined)).toBe(`ran job ${i}`);
      expect(await w.store.calls.log(id)).toBe(`log of job ${i}`);
    }
    const t = await w.enqueue("timeout");
    expect(await w.settle(t)).toBe("timeout");
    expect((await w.store.calls.get(t)).error).toBe("timed out after 1s");
  });

  it("replay the stored request at async priority: method, url, headers, params, call id", async () => {
    const w = await world({ workers: 1 });
    await w.workers.start();
    const id = await w.enqueue("x", "/users/42");
    await w.settle(id);
    const inv = w.runner.seen.find((i) => i.callId === id)!;
    expect(inv).toMatchObject({ priority: "async", method: "POST", url: "http://h/r/app/users/42", params: { id: "42" } });
    expect(inv.route.path).toBe("/users/:id");
    expect(inv.headers).toEqual([["X-A", "1, 2"]]);
    expect(inv.signal).toBeInstanceOf(AbortSignal);
  });

  it("wake at once on notify, long before their idle back-off ends", async () => {
    const w = await world({ workers: 1, backoff: { minMs: 600_000, maxMs: 600_000 } });
    await w.workers.start();
    // the dispatcher found nothing and now sleeps 10 minutes: far longer than settle() waits
    while (w.emptyClaims() === 0) await Bun.sleep(1);
    const id = await w.enqueue("quick");
    expect(await w.settle(id)).toBe("success");
  });

  it("close a call whose route was deleted meanwhile as an error", async () => {
    const w = await world({ workers: 1 });
    const id = await w.enqueue("orphan", "/gone");
    await w.store.routes.delete("app", "/gone");
    await w.workers.start();
    expect(await w.settle(id)).toBe("error");
    expect((await w.store.calls.get(id)).error).toContain("/gone");
  });

  it("give a call back to the queue when the runner is busy, and run it later; only the run counts as an attempt", async () => {
    const w = await world({ workers: 1 });
    w.runner.busyTimes(3);
    const id = await w.enqueue("busy");
    await w.workers.start();
    expect(await w.settle(id)).toBe("success");
    expect(w.runner.seen.length).toBe(4);
    expect((await w.store.calls.get(id)).attempts).toBe(1);
  });

  it("claim in batches and hand the runner no more calls at once than the limit", async () => {
    const w = await world({ workers: 16 });
    await w.workers.start();
    const ids = await Promise.all(Array.from({ length: 300 }, (_, i) => w.enqueue(`sleep:${i % 3}`)));
    for (const id of ids) expect(await w.settle(id)).toBe("success");
    expect(w.runner.mostInRunner()).toBeLessThanOrEqual(16);
    // one claim per call would be 300
    expect(w.claimBatches()).toBeLessThan(100);
  });

  it("follow what the runner can run: every call refused for want of room runs later, each counted once", async () => {
    const w = await world({ workers: 32 });
    w.runner.capacity(3);
    await w.workers.start();
    const ids = await Promise.all(Array.from({ length: 60 }, () => w.enqueue("sleep:20")));
    for (const id of ids) {
      expect(await w.settle(id)).toBe("success");
      expect((await w.store.calls.get(id)).attempts).toBe(1);
    }
    // refusals halved the limit: far fewer refusals than calls
    expect(w.runner.seen.length - ids.length).toBeLessThan(ids.length);
  });

  it("keep the stderr that trails a call's answer in its log", async () => {
    const w = await world();
    await w.workers.start();
    const id = await w.enqueue("late-log");
    expect(await w.settle(id)).toBe("success");
    expect(await w.store.calls.log(id)).toBe("log of late-log\nlast line, after the answer");
  });

  it("on stop, let running calls finish within the grace", async () => {
    const w = await world({ workers: 2 });
    await w.workers.start();
    const id = await w.enqueue("sleep:200");
    // running in the runner, not only claimed (a claim not yet run goes back to the queue on stop)
    while (w.runner.seen.length === 0) await Bun.sleep(5);
    await w.workers.stop(5000);
    expect((await w.store.calls.get(id)).status).toBe("success");
  });

  it("on stop, return calls still running after the grace to the queue, and claim nothing new", async () => {
    const w = await world({ workers: 1 });
    await w.workers.start();
    const long = await w.enqueue("sleep:5000");
    while (w.runner.seen.length === 0) await Bun.sleep(5);
    const waiting = await w.enqueue("never claimed");
    await w.workers.stop(100);
    // hotfn stopped it, the call did not fail: the interrupted attempt is not counted against it
    expect(await w.store.calls.get(long)).toMatchObject({ status: "queued", attempts: 0, startedAt: null });
    // stop() resolves once every loop has ended: nothing can claim `waiting` from here on.
    expect(await w.store.calls.get(waiting)).toMatchObject({ status: "queued", attempts: 0 });
  });

  it("take back at start the claims a dead predecessor on the same node left, not other nodes'", async () => {
    const w = await world({ workers: 0, node: "node-a" });
    const mine = await w.enqueue("a");
    const theirs = await w.enqueue("b");
    await w.store.queue.claim("worker:node-a/deadbeef", 60_000);
    await w.store.queue.claim("worker:node-b/cafe0000", 60_000);
    await w.workers.start();
    expect((await w.store.calls.get(mine)).status).toBe("queued");
    expect((await w.store.calls.get(theirs)).status).toBe("running");
  });
});
