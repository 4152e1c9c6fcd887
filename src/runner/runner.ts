/**
 * The runner: routes each call to its function's pool (hot formats) or to a one-off container
 * (`default`), owns the global start gate and the cold-start estimates per image, evicts idle
 * containers across pools when memory is short, and turns function errors into call outcomes.
 * @module
 */
import { Busy, FunctionFailed, FunctionTimeout, Unavailable } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { App, Route } from "../model.ts";
import { functionKey } from "./contract.ts";
import { startDeadline } from "./deadline.ts";
import { Ewma } from "./estimate.ts";
import { createStartGate, type GateStats, type StartGate } from "./gate.ts";
import { createLogBuffer } from "./log-buffer.ts";
import { createObserverHub } from "./observers.ts";
import { type FnLabels, Pool, type PoolObserver, type PoolStats } from "./pool.ts";
import type { Invocation, Launcher, RunOutcome, Runner } from "./types.ts";

/** Seed for an image never started here: a typical local Docker start, corrected by the first sample. */
const COLD_START_SEED_MS = 1000;
const RUN_ALPHA = 0.2;

/** What the runner reports beyond its pools; implemented by metrics. Must not throw. */
export interface RunnerObserver extends PoolObserver {
  gateWaited(ms: number): void;
  evicted(n: number): void;
  finished(fn: FnLabels, status: RunOutcome["status"] | "busy" | "unavailable"): void;
}

export interface RunnerOptions {
  launcher: Launcher;
  log: Logger;
  mode: "adaptive" | "naive";
  maxQueueWaitMs: number;
  maxWaitMs: number;
  maxConcurrentStarts: number;
  maxMemoryMiB: number;
  callLogMax: number;
}

export interface RunnerStats {
  gate: GateStats;
  pools: PoolStats[];
}

export interface HotfnRunner extends Runner {
  /** What the pools and the start gate hold now. */
  stats(): RunnerStats;
  /** Subscribes a reader to every observation the runner makes; returns the unsubscribe. */
  observe(observer: RunnerObserver): () => void;
}

export function createRunner(opts: RunnerOptions): HotfnRunner {
  const hub = createObserverHub();
  const { observer } = hub;
  const pools = new Map<string, Pool>();
  /** pools retired but still serving their last calls */
  const retiring = new Set<Pool>();
  const coldStarts = new Map<string, Ewma>();
  const runs = new Map<string, Ewma>();

  const evict = (neededMiB: number): number => {
    const candidates = [...pools.values(), ...retiring]
      .flatMap((p) => p.idleSlots().map((slot) => ({ p, slot })))
      .sort((a, b) => a.slot.lastUsed - b.slot.lastUsed);
    let freed = 0;
    let count = 0;
    for (const { p, slot } of candidates) {
      if (freed >= neededMiB) break;
      freed += p.evict(slot);
      count++;
    }
    if (count > 0) observer.evicted(count);
    return freed;
  };

  const gate: StartGate = createStartGate({
    // Naive mode is the original server, for comparison: no bound on starts in flight. Memory
    // admission stays; it is a limit hotfn promises, not a scaling choice.
    maxStarts: opts.mode === "naive" ? Number.MAX_SAFE_INTEGER : opts.maxConcurrentStarts,
    maxMemoryMiB: opts.maxMemoryMiB,
    evict,
    onWait: (ms) => observer.gateWaited(ms),
  });

  const estimate = (map: Map<string, Ewma>, key: string, seed: number) => {
    let e = map.get(key);
    if (!e) map.set(key, (e = new Ewma(RUN_ALPHA, seed)));
    return e;
  };

  // The route cache hands out the same objects until a route or its app changes, so a function's key
  // (a sorted JSON of its env and a SHA-256 of it) is computed once per version, not on every hot call.
  // Its labels too: observers may keep what they derive from them per labels object.
  const versions = new WeakMap<Route, { app: App; key: string; labels: FnLabels }>();
  const versionOf = (app: App, route: Route) => {
    const known = versions.get(route);
    if (known?.app === app) return known;
    const version = { app, key: functionKey(app, route), labels: { app: app.name, route: route.path } };
    versions.set(route, version);
    return version;
  };
  const keyOf = (app: App, route: Route): string => versionOf(app, route).key;

  const poolFor = (app: App, route: Route): Pool => {
    const key = keyOf(app, route);
    let pool = pools.get(key);
    if (!pool) {
      pool = new Pool(key, app, route, versionOf(app, route).labels, estimate(runs, key, 0), {
        launcher: opts.launcher,
        gate,
        log: opts.log,
        observer,
        coldStart: estimate(coldStarts, route.image, COLD_START_SEED_MS),
        mode: opts.mode,
        maxQueueWaitMs: opts.maxQueueWaitMs,
        maxWaitMs: opts.maxWaitMs,
        startSlots: opts.maxConcurrentStarts,
      });
      pools.set(key, pool);
    }
    return pool;
  };

  const runCold = async (inv: Invocation, log: ReturnType<typeof createLogBuffer>) => {
    const admission = await gate.admit(keyOf(inv.app, inv.route), inv.route.memory, opts.maxWaitMs, inv.signal);
    const startedAt = new Date();
    // The route's timeout bounds the run, not Docker's container start.
    const deadline = startDeadline(inv.route.timeout, true);
    try {
      const response = await opts.launcher.runCold(inv, log, deadline.signal, (steps) => {
        admission.started();
        deadline.start();
        if (steps) observer.started(steps);
      });
      return { response, startedAt };
    } finally {
      deadline.clear();
      admission.release();
    }
  };

  const sweep = () => {
    for (const p of retiring) {
      if (!p.drained) continue;
      retiring.delete(p);
      // A function no pool serves any more (its route deleted, or changed and not called since)
      // keeps no estimate: under route churn they would pile up for the life of the process.
      if (!pools.has(p.key)) runs.delete(p.key);
    }
  };

  return {
    async run(inv): Promise<RunOutcome> {
      const log = createLogBuffer(opts.callLogMax);
      const fn = versionOf(inv.app, inv.route).labels;
      try {
        const { response, startedAt } = inv.route.format === "default" ? await runCold(inv, log) : await poolFor(inv.app, inv.route).call(inv, log);
        observer.finished(fn, "success");
        return { status: "success", response, log, startedAt, completedAt: new Date() };
      } catch (err) {
        if (err instanceof FunctionTimeout || err instanceof FunctionFailed) {
          const status = err instanceof FunctionTimeout ? "timeout" : "error";
          observer.finished(fn, status);
          return { status, error: err, log, startedAt: null, completedAt: new Date() };
        }
        if (err instanceof Busy) observer.finished(fn, "busy");
        if (err instanceof Unavailable) observer.finished(fn, "unavailable");
        throw err;
      } finally {
        sweep();
      }
    },

    retire(appName, path) {
      for (const [key, pool] of pools) {
        if (pool.app.name !== appName || (path !== undefined && pool.route.path !== path)) continue;
        pools.delete(key);
        retiring.add(pool);
        pool.retire();
      }
      sweep();
    },

    async stop(graceMs) {
      const all = [...pools.values(), ...retiring];
      pools.clear();
      const reason = new Unavailable("hotfn is shutting down");
      for (const p of all) p.close(reason);
      let timer: Timer | undefined;
      const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([Promise.all(all.map((p) => p.whenDrained())), graceOver]);
      clearTimeout(timer);
    },

    stats: () => ({ gate: gate.stats(), pools: [...pools.values(), ...retiring].map((p) => p.stats()) }),
    observe: (o) => hub.add(o),
  };
}

