import { describe, expect, it } from "bun:test";
import { Busy, FunctionFailed } from "../errors.ts";
import { createLogger } from "../log.ts";
import type { App, Route } from "../model.ts";
import { Ewma } from "./estimate.ts";
import { createStartGate, type StartGate } from "./gate.ts";
import { Pool, type PoolObserver, startFailureReason } from "./pool.ts";
import type { HotContainer, Invocation, Launcher } from "./types.ts";

// A fake launcher: containers that start in `coldMs` and answer each call in `runMs`. The pool's
// decisions are what is under test here; real containers are covered by the HTTP tests in test/.
function fakeLauncher(o: { coldMs: number; runMs: number; failStart?: Error; hangStart?: number }) {
  const events = { started: 0, readyAt: [] as number[], destroyed: 0, live: 0, maxLive: 0 };
  let n = 0;
  const launcher: Launcher = {
    async startHot(_app, _route, signal) {
      events.started++;
      // The n-th start never finishes: it waits until the pool gives it up.
      if (events.started === o.hangStart) await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
      await Bun.sleep(o.coldMs);
      if (o.failStart) throw o.failStart;
      events.readyAt.push(events.started);
      events.live++;
      events.maxLive = Math.max(events.maxLive, events.live);
      let exit!: () => void;
      const exited = new Promise<void>((r) => (exit = r));
      const hot: HotContainer = {
        id: `c${++n}`,
        healthy: true,
        exited,
        startSteps: { create: 0, attach: 0, start: o.coldMs, ready: 0 },
        async call() {
          await Bun.sleep(o.runMs);
          return { status: 200, headers: [], body: new Uint8Array() };
        },
        async destroy() {
          events.destroyed++;
          events.live--;
          exit();
        },
      };
      return hot;
    },
    runCold: () => Promise.reject(new Error("not used")),
  };
  return { launcher, events };
}

const app: App = { name: "a", config: {}, createdAt: new Date(), updatedAt: new Date() };
const route = (o: Partial<Route> = {}): Route => ({
  appName: "a", path: "/f", image: "img", type: "sync", format: "http", memory: 100, timeout: 30, idleTimeout: 30, user: "",
  headers: {}, config: {}, createdAt: new Date(), updatedAt: new Date(), ...o,
});
const inv = (r: Route): Invocation => ({ callId: "x", app, route: r, params: {}, method: "POST", url: "http://x/r/a/f", headers: [], body: new Uint8Array(), priority: "sync" });
const quiet: PoolObserver = { launched() {}, ready() {}, started() {}, startFailed() {}, gone() {}, waited() {}, ran() {} };
const sink = { write() {} };

function makePool(launcher: Launcher, r = route(), o: { gate?: StartGate; mode?: "adaptive" | "naive"; maxWaitMs?: number; observer?: PoolObserver } = {}) {
  const gate = o.gate ?? createStartGate({ maxStarts: 4, maxMemoryMiB: 100_000, evict: () => 0 });
  return new Pool(`key-${r.path}`, app, r, { app: app.name, route: r.path }, new Ewma(0.2, 0), {
    launcher, gate, log: createLogger("silent"), observer: o.observer ?? quiet, coldStart: new Ewma(0.2, 1000),
    mode: o.mode ?? "adaptive", maxQueueWaitMs: 1000, maxWaitMs: o.maxWaitMs ?? 10_000, startSlots: 4,
  });
}

describe("Pool", () => {
  it("starts exactly one container for 50 concurrent first calls, and serves them all", async () => {
    const { launcher, events } = fakeLauncher({ coldMs: 50, runMs: 2 });
    const pool = makePool(launcher);
    const all = Promise.all(Array.from({ length: 50 }, () => pool.call(inv(pool.route), sink)));
    await Bun.sleep(40);
    expect(events.started).toBe(1);
    await all;
    expect(events.readyAt[0]).toBe(1);
    pool.close(new Busy("done"));
  });

  it("queues a burst of a fast function on few containers", async () => {
    const { launcher, events } = fakeLauncher({ coldMs: 100, runMs: 5 });
    const pool = makePool(launcher);
    await pool.call(inv(pool.route), sink); // warm: one container, one run
    await pool.call(inv(pool.route), sink); // a warm sample
    await Promise.all(Array.from({ length: 20 }, () => pool.call(inv(pool.route), sink)));
    expect(events.started, JSON.stringify(events)).toBeLessThan(5);
    pool.close(new Busy("done"));
  });

  it("launches more containers for a slow function", async () => {
    const { launcher, events } = fakeLauncher({ coldMs: 30, runMs: 400 });
    const pool = makePool(launcher);
    await Promise.all(Array.from({ length: 6 }, () => pool.call(inv(pool.route), sink)));
    expect(events.started).toBeGreaterThan(1);
    pool.close(new Busy("done"));
  });

  it("withdraws launches still waiting for a start slot once the container already up has served their calls", async () => {
    const { launcher, events } = fakeLauncher({ coldMs: 20, runMs: 30 });
    const gate = createStartGate({ maxStarts: 1, maxMemoryMiB: 100_000, evict: () => 0 });
    const launched: string[] = [];
    const failed: string[] = [];
    const pool = makePool(launcher, route(), { gate, observer: { ...quiet, launched: (_, why) => launched.push(why), startFailed: (_, err) => failed.push(startFailureReason(err)) } });
    await pool.call(inv(pool.route), sink);
    await pool.call(inv(pool.route), sink); // a warm sample: the estimate now asks for more containers
    // Another function holds the only start slot for the whole burst.
    const other = await gate.admit("other", 1, 1000);
    await Promise.all(Array.from({ length: 20 }, () => pool.call(inv(pool.route), sink)));
    expect(launched.length).toBeGreaterThan(1);
    expect(failed).toEqual(launched.slice(1).map(() => "withdrawn"));
    expect(gate.stats().waiting).toBe(0);
    other.release();
    await Bun.sleep(50);
    expect(events.started).toBe(1);
    expect(pool.stats()).toMatchObject({ idle: 1, busy: 0, starting: 0, waiting: 0 });
    pool.close(new Busy("done"));
  });

  it("keeps launching for a long queue while one start is stuck", async () => {
    const { launcher, events } = fakeLauncher({ coldMs: 50, runMs: 40, hangStart: 2 });
    const pool = makePool(launcher, route(), { maxWaitMs: 5000 });
    await pool.call(inv(pool.route), sink);
    await pool.call(inv(pool.route), sink);
    // A first burst: one of the starts it asks for (the second start) hangs.
    await Promise.all(Array.from({ length: 40 }, () => pool.call(inv(pool.route), sink)));
    await Bun.sleep(1000);
    const before = events.started;
    // The stuck start has taken 20 times the mean by now; a new queue must still get containers.
    const results = await Promise.allSettled(Array.from({ length: 150 }, () => pool.call(inv(pool.route), sink)));
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(events.started, JSON.stringify(events)).toBeGreaterThan(before);
    pool.close(new Busy("done"));
  });

  it("counts each start still waiting for a slot once when the pool closes", async () => {
    const { launcher } = fakeLauncher({ coldMs: 20, runMs: 30 });
    const gate = createStartGate({ maxStarts: 1, maxMemoryMiB: 100_000, evict: () => 0 });
    const launched: string[] = [];
    const failed: string[] = [];
    const pool = makePool(launcher, route(), { gate, observer: { ...quiet, launched: (_, why) => launched.push(why), startFailed: (_, err) => failed.push(startFailureReason(err)) } });
    await pool.call(inv(pool.route), sink);
    await pool.call(inv(pool.route), sink);
    const other = await gate.admit("other", 1, 1000);
    const calls = Array.from({ length: 20 }, () => pool.call(inv(pool.route), sink).catch(() => "closed"));
    await Bun.sleep(20);
    expect(launched.length).toBeGreaterThan(1);
    pool.close(new Busy("closing"));
    await Promise.all(calls);
    await Bun.sleep(20);
    // Every launch that gave no container is reported once, as the close's failure, not also as withdrawn.
    expect(failed).toEqual(launched.slice(1).map(() => "no_room"));
    expect(gate.stats()).toMatchObject({ waiting: 0, startsInFlight: 1 });
    other.release();
  });

  it("naive mode starts a container for every call that finds none idle", async () => {
    const { launcher, events } = fakeLauncher({ coldMs: 30, runMs: 20 });
    const pool = makePool(launcher, route(), { mode: "naive" });
    await Promise.all(Array.from({ length: 10 }, () => pool.call(inv(pool.route), sink)));
    expect(events.started).toBe(10);
    pool.close(new Busy("done"));
  });

  it("fails every waiter at once when the only start fails", async () => {
    const { launcher } = fakeLauncher({ coldMs: 10, runMs: 1, failStart: new FunctionFailed("image missing") });
    const pool = makePool(launcher);
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => pool.call(inv(pool.route), sink)));
    expect(results.every((r) => r.status === "rejected" && r.reason instanceof FunctionFailed)).toBe(true);
  });

  it("answers Busy when memory never frees within the wait bound", async () => {
    const { launcher } = fakeLauncher({ coldMs: 10, runMs: 1 });
    const gate = createStartGate({ maxStarts: 4, maxMemoryMiB: 50, evict: () => 0 });
    const pool = makePool(launcher, route({ memory: 40 }), { gate, maxWaitMs: 100 });
    const held = await gate.admit("another function", 40, 10);
    await expect(pool.call(inv(pool.route), sink)).rejects.toBeInstanceOf(Busy);
    held.release();
  });

  it("evicts the least recently used idle container of another function when memory is short", async () => {
    const { launcher, events } = fakeLauncher({ coldMs: 5, runMs: 1 });
    const pools: Pool[] = [];
    const gate = createStartGate({
      maxStarts: 4,
      maxMemoryMiB: 200,
      evict: (need) => {
        const idle = pools.flatMap((p) => p.idleSlots().map((slot) => ({ p, slot }))).sort((a, b) => a.slot.lastUsed - b.slot.lastUsed);
        let freed = 0;
        for (const { p, slot } of idle) if (freed < need) freed += p.evict(slot);
        return freed;
      },
    });
    for (const path of ["/one", "/two", "/three"]) pools.push(makePool(launcher, route({ path }), { gate }));
    await pools[0]!.call(inv(pools[0]!.route), sink);
    await pools[1]!.call(inv(pools[1]!.route), sink);
    await pools[2]!.call(inv(pools[2]!.route), sink);
    expect(events.started).toBe(3);
    expect(events.destroyed).toBe(1);
    expect(pools[0]!.stats().idle).toBe(0); // the least recently used went
    expect(pools[1]!.stats().idle).toBe(1);
    for (const p of pools) p.close(new Busy("done"));
  });

  it("retires idle containers at once and busy ones after their call", async () => {
    const { launcher, events } = fakeLauncher({ coldMs: 5, runMs: 100 });
    const pool = makePool(launcher);
    await pool.call(inv(pool.route), sink);
    const inFlight = pool.call(inv(pool.route), sink);
    const second = pool.call(inv(pool.route), sink); // launches a second container or queues
    await Bun.sleep(20);
    pool.retire();
    await Promise.all([inFlight, second]);
    await Bun.sleep(10);
    expect(events.live).toBe(0);
    expect(pool.drained).toBe(true);
  });

  it("ends a container once it has been idle for the whole idle timeout, counted from its last call", async () => {
    const { launcher, events } = fakeLauncher({ coldMs: 5, runMs: 1 });
    const pool = makePool(launcher, route({ idleTimeout: 0.3 }));
    await pool.call(inv(pool.route), sink);
    await Bun.sleep(200);
    // Used again before the timeout: the timer armed at the first call must not end it.
    await pool.call(inv(pool.route), sink);
    await Bun.sleep(200);
    expect(pool.stats().idle).toBe(1);
    expect(events.destroyed).toBe(0);
    await Bun.sleep(250);
    expect(pool.stats().idle).toBe(0);
    expect(events.destroyed).toBe(1);
    expect(events.started).toBe(1);
  });
});
