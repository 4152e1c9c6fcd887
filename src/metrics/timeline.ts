/**
 * The last minutes of each function's scaling, one sample per interval (a second), for the dashboard:
 * containers idle, busy and starting and calls waiting (read from the runner's pools at each tick, as
 * /metrics reads them), calls finished and failed and the p99 of their waits (counted from the
 * observer during the interval); beside the samples, the scaler's recent decisions: launches with the
 * rule that decided, starts that failed, containers gone and why.
 *
 * A function's series (keyed by app and route, as the metrics are):
 *   (none) → tracked     an observation about it, or a pool of it with containers or waiters, at a tick
 *   tracked → dropped    nothing happened for a whole window; its route was deleted (`forget`); or a
 *                        new function needed its place at `maxFunctions` and it was the quietest
 * Memory is bounded whatever the load: at most `maxFunctions` series (1000), each of a fixed size
 * (timeline-series.ts: `samples` rows of seven 16-bit values, 300 × 14 bytes; a 256-wait reservoir;
 * `maxEvents` decisions, 100), about 10 KB a function at most, so 10 MB at the bound; plus one ring
 * of tick times. Nothing here grows with calls, with routes ever created, or with time.
 * @module
 */
import type { Logger } from "../log.ts";
import { type FnLabels, type GoneReason, startFailureReason } from "../runner/pool.ts";
import type { RunnerObserver, RunnerStats } from "../runner/runner.ts";
import type { FunctionSummary, RouteTimeline, TimelineEvent } from "../wire.ts";
import { COLUMNS, type Column, type Live, Series } from "./timeline-series.ts";

export { COLUMNS, type Column } from "./timeline-series.ts";
export type { FunctionSummary, RouteTimeline, TimelineEvent };

/** The span the overview's rates are taken over. */
const RECENT_S = 10;

export interface TimelineOptions {
  /** the runner's pools, read at every tick */
  runnerStats: () => RunnerStats;
  log: Logger;
  intervalMs?: number;
  /** samples kept per function: the window is samples × interval */
  samples?: number;
  maxFunctions?: number;
  /** events kept per function */
  maxEvents?: number;
  /** the clock, ms since the epoch */
  now?: () => number;
}

export interface Timeline {
  /** What the runner reports; fan it out beside the metrics' observer. Never throws. */
  observer: RunnerObserver;
  /** Takes a sample every interval until stop(). */
  start(): void;
  stop(): void;
  /** Takes one sample now (what the interval timer does). */
  tick(): void;
  /**
   * One route's samples and events after `since` (ms since the epoch; all kept when absent), events
   * only up to the newest sample. An empty timeline when nothing is kept for it.
   */
  route(app: string, route: string, since?: number): RouteTimeline;
  /** The functions with something in the window, busiest first, at most `limit`. */
  overview(limit: number): FunctionSummary[];
  /** Drops what is kept for `app`'s route `route` (every route of `app` when absent). */
  forget(app: string, route?: string): void;
  /** How many functions have a series now (for tests of the bound). */
  readonly size: number;
}

export function createTimeline(opts: TimelineOptions): Timeline {
  const intervalMs = opts.intervalMs ?? 1000;
  const samples = opts.samples ?? 300;
  const maxFunctions = opts.maxFunctions ?? 1000;
  const maxEvents = opts.maxEvents ?? 100;
  const now = opts.now ?? Date.now;
  const series = new Map<string, Series>();
  /** when each tick's interval ended, by `tick % samples` */
  const times = new Float64Array(samples);
  /** the last tick taken; the interval being counted now is tick + 1 */
  let tick = 0;
  let timer: Timer | undefined;

  const keyOf = (app: string, route: string) => `${app}\u0000${route}`;
  // The runner hands the same labels object for every call of a function version: its key is
  // made once, not per call (waited and finished come with every call).
  const keys = new WeakMap<FnLabels, string>();
  const keyOfLabels = (fn: FnLabels): string => {
    let key = keys.get(fn);
    if (key === undefined) keys.set(fn, (key = keyOf(fn.app, fn.route)));
    return key;
  };

  /** The series of a function, made when missing (pushing out the quietest at the bound). */
  const track = (app: string, route: string, key = keyOf(app, route)): Series => {
    let s = series.get(key);
    if (s) return s;
    if (series.size >= maxFunctions) {
      let quietest: [string, Series] | undefined;
      for (const e of series) if (!quietest || e[1].lastActiveTick < quietest[1].lastActiveTick) quietest = e;
      if (quietest) series.delete(quietest[0]);
    }
    s = new Series(app, route, samples, maxEvents, tick + 1);
    series.set(key, s);
    return s;
  };

  const event = (fn: { app: string; route: string }, kind: TimelineEvent["kind"], reason: string) => {
    track(fn.app, fn.route).event({ t: now(), kind, reason }, tick + 1);
  };

  const observer: RunnerObserver = {
    launched: (fn, reason) => event(fn, "launch", reason),
    startFailed: (fn, err) => event(fn, "start_failed", startFailureReason(err)),
    gone: (fn, why: GoneReason) => event(fn, "gone", why),
    waited: (fn, ms) => track(fn.app, fn.route, keyOfLabels(fn)).waited(ms),
    finished: (fn, status) => track(fn.app, fn.route, keyOfLabels(fn)).finished(status !== "success"),
    ready: () => {},
    started: () => {},
    ran: () => {},
    gateWaited: () => {},
    evicted: () => {},
  };

  const sample = () => {
    const live = new Map<string, Live>();
    for (const p of opts.runnerStats().pools) {
      const key = keyOf(p.app, p.path);
      const l = live.get(key) ?? { idle: 0, busy: 0, starting: 0, queue: 0 };
      l.idle += p.idle;
      l.busy += p.busy;
      l.starting += p.starting;
      l.queue += p.waiting;
      live.set(key, l);
      if (!series.has(key) && l.idle + l.busy + l.starting + l.queue > 0) track(p.app, p.path);
    }
    tick++;
    times[tick % samples] = now();
    for (const [key, s] of series) {
      s.close(tick, live.get(key));
      if (tick - s.lastActiveTick >= samples) series.delete(key);
    }
  };

  /** The ticks a series has rows for, oldest first. */
  const ticksOf = (s: Series): number[] => {
    const from = Math.max(s.firstTick, tick - samples + 1, 1);
    const out: number[] = [];
    for (let k = from; k <= tick; k++) out.push(k);
    return out;
  };

  return {
    observer,
    start() {
      if (timer !== undefined) return;
      timer = setInterval(() => {
        try {
          sample();
        } catch (err) {
          // A tick that failed loses one sample; the next one tries again.
          opts.log.warn("timeline sample failed", { err });
        }
      }, intervalMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
    tick: sample,
    route(app, route, since = Number.NEGATIVE_INFINITY) {
      const s = series.get(keyOf(app, route));
      const out: RouteTimeline = {
        app,
        route,
        interval_ms: intervalMs,
        window_s: (samples * intervalMs) / 1000,
        now: now(),
        samples: { t: [], idle: [], busy: [], starting: [], queue: [], calls: [], errors: [], wait_p99_ms: [] },
        events: [],
      };
      if (!s) return out;
      const oldest = out.now - samples * intervalMs;
      for (const k of ticksOf(s)) {
        const t = times[k % samples]!;
        if (t <= since) continue;
        out.samples.t.push(t);
        for (const col of COLUMNS) out.samples[col].push(s.value(k, col));
      }
      // Events up to the last sample only: a poll's `since` (its newest sample) then covers both, and
      // an event after the last tick comes once, with the next sample, never twice.
      const until = tick > 0 ? times[tick % samples]! : Number.NEGATIVE_INFINITY;
      out.events = s.events().filter((e) => e.t > since && e.t > oldest && e.t <= until);
      return out;
    },
    overview(limit) {
      const recent = Math.min(RECENT_S, samples);
      const oldest = now() - samples * intervalMs;
      const summaries: FunctionSummary[] = [];
      for (const s of series.values()) {
        const has = tick >= s.firstTick;
        const latest = (column: Column) => (has ? (s.value(tick, column) ?? 0) : 0);
        let calls = 0;
        let p99: number | null = null;
        for (let k = Math.max(tick - recent + 1, s.firstTick); k <= tick; k++) {
          calls += s.value(k, "calls") ?? 0;
          const w = s.value(k, "wait_p99_ms");
          if (w !== null) p99 = Math.max(p99 ?? 0, w);
        }
        const launches = s.events().filter((e) => e.kind === "launch" && e.t > oldest);
        summaries.push({
          app: s.app,
          route: s.route,
          idle: latest("idle"),
          busy: latest("busy"),
          starting: latest("starting"),
          queue: latest("queue"),
          calls_per_s: (calls * 1000) / (recent * intervalMs),
          wait_p99_ms: p99,
          launches: launches.length,
          last_launch: launches.at(-1) ?? null,
        });
      }
      const load = (f: FunctionSummary) => f.busy + f.starting + f.queue;
      summaries.sort((a, b) => load(b) - load(a) || b.calls_per_s - a.calls_per_s || b.launches - a.launches || a.app.localeCompare(b.app) || a.route.localeCompare(b.route));
      return summaries.slice(0, limit);
    },
    forget(app, route) {
      for (const [key, s] of series) if (s.app === app && (route === undefined || s.route === route)) series.delete(key);
    },
    get size() {
      return series.size;
    },
  };
}
