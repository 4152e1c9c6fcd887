/**
 * Everything the scaling policy observes, as Prometheus metrics (prom-client) and as per-route JSON.
 * The runner reports through the observer; container and queue gauges are read from the runner's
 * snapshot at scrape time, so they never drift from the pools' own state.
 * @module
 */
// One module each, not prom-client's index (prom-client-parts.d.ts says why).
import Counter from "prom-client/lib/counter.js";
import Gauge from "prom-client/lib/gauge.js";
import Histogram from "prom-client/lib/histogram.js";
import Registry from "prom-client/lib/registry.js";
import { type GoneReason, type PoolStats, startFailureReason } from "../runner/pool.ts";
import type { RunnerObserver, RunnerStats } from "../runner/runner.ts";
import { processMemory } from "./memory.ts";

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export interface Metrics {
  observer: RunnerObserver;
  /** Prometheus text exposition. */
  text(): Promise<string>;
  contentType: string;
  /** The same figures for one route, as JSON. */
  routeJson(app: string, route: string): Promise<Record<string, unknown>>;
  /**
   * Drops the per-function figures of `app` (of its route `route` when given), for a deleted route:
   * each route ever called leaves about 60 series (15 KB of heap), which would otherwise stay for
   * the life of the process and grow /metrics without bound under route churn. Never rejects.
   */
  forget(app: string, route?: string): Promise<void>;
}

/** Network namespace holders now (engine.ts `holderStats`; 0 and 0 when they are off). */
export type HolderStats = () => { free: number; inUse: number };

export function createMetrics(runnerStats: () => RunnerStats, holderStats: HolderStats): Metrics {
  const registry = new Registry();
  const fnLabels = ["app", "route"] as const;
  const sumPools = (pools: PoolStats[], pick: (p: PoolStats) => number) => {
    const by = new Map<string, { app: string; route: string; n: number }>();
    for (const p of pools) {
      const k = `${p.app}\u0000${p.path}`;
      const e = by.get(k) ?? { app: p.app, route: p.path, n: 0 };
      e.n += pick(p);
      by.set(k, e);
    }
    return [...by.values()];
  };

  new Gauge({
    name: "hotfn_containers",
    help: "Hot containers per function and state",
    labelNames: [...fnLabels, "state"],
    registers: [registry],
    collect() {
      this.reset();
      const { pools } = runnerStats();
      for (const state of ["idle", "busy", "starting"] as const) {
        for (const e of sumPools(pools, (p) => p[state])) this.set({ app: e.app, route: e.route, state }, e.n);
      }
    },
  });
  new Gauge({
    name: "hotfn_queue_length",
    help: "Calls waiting for a container, per function",
    labelNames: fnLabels,
    registers: [registry],
    collect() {
      this.reset();
      for (const e of sumPools(runnerStats().pools, (p) => p.waiting)) this.set({ app: e.app, route: e.route }, e.n);
    },
  });
  new Gauge({
    name: "hotfn_memory_reserved_mib",
    help: "Memory reserved by containers, MiB",
    registers: [registry],
    collect() {
      this.set(runnerStats().gate.reservedMiB);
    },
  });
  new Gauge({
    name: "hotfn_starts_in_flight",
    help: "Container starts holding a start-gate slot",
    registers: [registry],
    collect() {
      this.set(runnerStats().gate.startsInFlight);
    },
  });
  // With none free a start makes its own network namespace, about 100 ms more on this engine (and
  // the refill runs only between starts, so a long burst uses the spares up).
  new Gauge({
    name: "hotfn_netns_holders",
    help: "Network namespace holders (HOTFN_NETNS_SPARE): free ones are ready for a start; in_use ones serve a container",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      const { free, inUse } = holderStats();
      this.set({ state: "free" }, free);
      this.set({ state: "in_use" }, inUse);
    },
  });

  // hotfn's own memory (bench/README.md "Memory"): RSS under the name every Prometheus client uses.
  new Gauge({
    name: "process_resident_memory_bytes",
    help: "Resident memory of the hotfn process, bytes",
    registers: [registry],
    collect() {
      this.set(processMemory().rssBytes);
    },
  });
  new Gauge({
    name: "hotfn_heap_bytes",
    help: "JS heap in use, bytes: live objects and garbage not yet collected",
    registers: [registry],
    collect() {
      this.set(processMemory().heapBytes);
    },
  });
  new Gauge({
    name: "hotfn_heap_external_bytes",
    help: "Memory outside the JS heap held by JS objects (buffers, native wrappers), bytes",
    registers: [registry],
    collect() {
      this.set(processMemory().externalBytes);
    },
  });

  const launches = new Counter({ name: "hotfn_launches_total", help: "Container launches decided, by the rule that decided", labelNames: [...fnLabels, "reason"], registers: [registry] });
  const coldStarts = new Histogram({ name: "hotfn_cold_start_seconds", help: "Time from admission to a ready container", labelNames: fnLabels, buckets: SECONDS, registers: [registry] });
  const startFailures = new Counter({
    name: "hotfn_start_failures_total",
    help: "Launches that did not give a container: no_room (no start slot or memory within the wait bound), withdrawn (no longer needed while it waited for a slot) or failed (Docker or the function)",
    labelNames: [...fnLabels, "reason"],
    registers: [registry],
  });
  const gone = new Counter({ name: "hotfn_containers_gone_total", help: "Containers removed, by why", labelNames: [...fnLabels, "why"], registers: [registry] });
  const evictions = new Counter({ name: "hotfn_evictions_total", help: "Idle containers evicted to make memory for another function", registers: [registry] });
  const startSteps = new Histogram({
    name: "hotfn_start_step_seconds",
    help: "Time each step of a container start took: create (image and container), attach, start (Docker), ready (the function's handshake)",
    labelNames: ["step"],
    buckets: SECONDS,
    registers: [registry],
  });
  const gateWaits = new Histogram({ name: "hotfn_start_gate_wait_seconds", help: "Time a start waited for a start slot or memory", buckets: SECONDS, registers: [registry] });
  const waits = new Histogram({ name: "hotfn_wait_seconds", help: "Time a call waited for a container", labelNames: [...fnLabels, "priority"], buckets: SECONDS, registers: [registry] });
  const runs = new Histogram({ name: "hotfn_run_seconds", help: "Run time of calls on hot containers", labelNames: [...fnLabels, "warm"], buckets: SECONDS, registers: [registry] });
  const calls = new Counter({ name: "hotfn_calls_total", help: "Calls finished, by status", labelNames: [...fnLabels, "status"], registers: [registry] });

  const perFunction: (Counter<string> | Histogram<string>)[] = [launches, coldStarts, startFailures, gone, waits, runs, calls];

  const observer: RunnerObserver = {
    launched: (fn, reason) => launches.inc({ ...fn, reason }),
    ready: (fn, ms) => coldStarts.observe(fn, ms / 1000),
    started: (steps) => {
      for (const [step, ms] of Object.entries(steps)) startSteps.observe({ step }, ms / 1000);
    },
    startFailed: (fn, err) => startFailures.inc({ ...fn, reason: startFailureReason(err) }),
    gone: (fn, why: GoneReason) => gone.inc({ ...fn, why }),
    waited: (fn, ms, priority) => waits.observe({ ...fn, priority }, ms / 1000),
    ran: (fn, ms, warm) => runs.observe({ ...fn, warm: String(warm) }, ms / 1000),
    gateWaited: (ms) => gateWaits.observe(ms / 1000),
    evicted: (n) => evictions.inc(n),
    finished: (fn, status) => calls.inc({ ...fn, status }),
  };

  return {
    observer,
    text: () => registry.metrics(),
    contentType: registry.contentType,
    async forget(app, route) {
      for (const m of perFunction) {
        try {
          // A histogram lists each series once per bucket (`le`); the series is the rest of its labels.
          const series = new Map<string, Record<string, string | number>>();
          for (const v of (await m.get()).values) {
            if (v.labels.app !== app || (route !== undefined && v.labels.route !== route)) continue;
            const { le: _, ...labels } = v.labels;
            series.set(JSON.stringify(labels), labels as Record<string, string | number>);
          }
          for (const labels of series.values()) m.remove(labels);
        } catch {
          // Figures that could not be dropped cost memory, never a request.
        }
      }
    },
    async routeJson(app, route) {
      const mine = (labels: Record<string, unknown>) => labels.app === app && labels.route === route;
      const values = async (m: Counter | Histogram) => (await m.get()).values.filter((v) => mine(v.labels));
      const byLabel = async (m: Counter, label: string) =>
        Object.fromEntries((await values(m)).map((v) => [String(v.labels[label]), v.value]));
      const histogram = async (h: Histogram) => {
        const vs = await values(h);
        const count = vs.filter((v) => nameOf(v).endsWith("_count")).reduce((a, v) => a + v.value, 0);
        const sum = vs.filter((v) => nameOf(v).endsWith("_sum")).reduce((a, v) => a + v.value, 0);
        return { count, mean_seconds: count > 0 ? sum / count : null };
      };
      const pools = runnerStats().pools.filter((p) => p.app === app && p.path === route);
      return {
        app,
        route,
        containers: {
          idle: pools.reduce((a, p) => a + p.idle, 0),
          busy: pools.reduce((a, p) => a + p.busy, 0),
          starting: pools.reduce((a, p) => a + p.starting, 0),
        },
        queue_length: pools.reduce((a, p) => a + p.waiting, 0),
        estimates: pools.map((p) => ({ image: p.image, run_mean_ms: p.runMeanMs, run_samples: p.runSamples, cold_start_mean_ms: p.coldStartMeanMs, cold_start_samples: p.coldStartSamples, retired: p.retired })),
        calls: await byLabel(calls, "status"),
        launches: await byLabel(launches, "reason"),
        containers_gone: await byLabel(gone, "why"),
        cold_starts: await histogram(coldStarts),
        run_time: await histogram(runs),
        wait_time: await histogram(waits),
      };
    },
  };
}

function nameOf(v: object): string {
  return "metricName" in v && typeof v.metricName === "string" ? v.metricName : "";
}
