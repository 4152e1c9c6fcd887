/**
 * bench/burst: adaptive vs naive scaling, each scenario on a fresh hotfn over loopback.
 *   (a) a burst of 200 concurrent calls to a 20 ms hot function
 *   (b) 50 concurrent calls to a 1 s hot function
 *   (c) 1,000 routes, each called once, in waves of 100 concurrent
 * Prints, per mode and scenario: containers started, calls failed (and the statuses they failed
 * with), p50/p99/max latency, peak RSS of hotfn.
 *
 *   bun bench/burst.ts [--only a,b,c] [--modes adaptive,naive] [--routes 1000] [--c-wait 60000] [--settle-ms 0]
 *
 * Each scenario's hotfn is started just before its load (a burst at a server milliseconds old, whose
 * spare namespace holders are still being made); `--settle-ms` waits that long after its routes are
 * made, for a burst at a server that has been running.
 */
import { parseArgs } from "node:util";
import { ensureImages, FN_IMAGE } from "../test/helpers/images.ts";
import { burst, metricSum, peakRssMiB, percentile, startServer, table, type TestServer } from "./lib.ts";

const { values } = parseArgs({
  options: {
    only: { type: "string", default: "a,b,c" },
    modes: { type: "string", default: "adaptive,naive" },
    routes: { type: "string", default: "1000" },
    // (c)'s HOTFN_MEMORY_WAIT: how long a call there may wait for a container before 503
    "c-wait": { type: "string", default: "60000" },
    "settle-ms": { type: "string", default: "0" },
  },
});
const only = new Set(values.only.split(","));
const modes = values.modes.split(",") as ("adaptive" | "naive")[];
const ROUTES = Number(values.routes);
const SETTLE_MS = Number(values["settle-ms"]);
// Not even a timer's turn by default: the burst follows the routes as it did before the option.
const settle = () => (SETTLE_MS > 0 ? Bun.sleep(SETTLE_MS) : undefined);

await ensureImages();

async function route(s: TestServer, app: string, path: string, config: Record<string, string>, memory = 64) {
  const r = await s.json(`/v1/apps/${app}/routes`, { method: "POST", body: { route: { path, image: FN_IMAGE, format: "http", memory, config } } });
  if (r.status !== 200) throw new Error(`route ${path}: ${r.status} ${JSON.stringify(r.body)}`);
}

// Bun's fetch gives up on an answer after 60 s of its own accord; calls here may wait longer than that.
const call = (s: TestServer, app: string, path: string) => () => s.fetch(`/r/${app}${path}`, { method: "POST", body: "", timeout: false } as RequestInit);

interface Row {
  mode: string;
  scenario: string;
  calls: number;
  started: number;
  startFailures: number;
  failed: number;
  /** how the failed calls failed: status code (or "error") → count */
  failures: string;
  p50: number;
  p99: number;
  max: number;
  wallS: number;
  rss: number;
}

interface Outcome {
  latencies: number[];
  failed: number;
  statuses: Record<string, number>;
  wallMs: number;
}

const failuresOf = (statuses: Record<string, number>) =>
  Object.entries(statuses)
    .filter(([status]) => !status.startsWith("2"))
    .map(([status, n]) => `${n}×${status}`)
    .join(" ") || "-";

async function scenario(mode: "adaptive" | "naive", name: string, env: Record<string, string>, body: (s: TestServer) => Promise<Outcome>): Promise<Row> {
  const s = await startServer({ env: { HOTFN_SCALING: mode, ...env } });
  try {
    const r = await body(s);
    r.latencies.sort((a, b) => a - b);
    // Starts decided during the load may still be running; count them once they have settled.
    const until = Date.now() + 180_000;
    while (Date.now() < until && (await metricSum(s, "hotfn_containers", 'state="starting"')) > 0) await Bun.sleep(250);
    return {
      mode,
      scenario: name,
      calls: r.latencies.length,
      started: (await metricSum(s, "hotfn_cold_start_seconds_count")) + (await metricSum(s, "hotfn_start_failures_total", 'reason="failed"')),
      startFailures: await metricSum(s, "hotfn_start_failures_total", 'reason="failed"'),
      failed: r.failed,
      failures: failuresOf(r.statuses),
      p50: percentile(r.latencies, 50),
      p99: percentile(r.latencies, 99),
      max: r.latencies.at(-1) ?? Number.NaN,
      wallS: r.wallMs / 1000,
      rss: peakRssMiB(s.proc.pid),
    };
  } finally {
    await s.stop();
  }
}

const HEADERS = ["mode", "scenario", "calls", "containers started", "start errors", "calls failed", "failed with", "p50 ms", "p99 ms", "max ms", "wall s", "hotfn peak RSS MiB"];
const cells = (r: Row) => [r.mode, r.scenario, r.calls, r.started, r.startFailures, r.failed, r.failures, r.p50, r.p99, r.max, r.wallS, r.rss];
const rows: Row[] = [];
// Each row is printed as it is measured (a long run still leaves its figures), the table at the end.
const done = (r: Row) => {
  rows.push(r);
  console.error(`measured: ${cells(r).join(" | ")}`);
};
for (const mode of modes) {
  if (only.has("a")) {
    done(
      await scenario(mode, "a: 200 x 20 ms", {}, async (s) => {
        await route(s, "bench", "/fast", { MODE: "sleep", SLEEP_MS: "20" });
        await settle();
        const r = await burst(Array.from({ length: 200 }, () => call(s, "bench", "/fast")));
        return { latencies: r.latenciesMs, failed: r.failed, statuses: r.statuses, wallMs: r.wallMs };
      }),
    );
  }
  if (only.has("b")) {
    done(
      await scenario(mode, "b: 50 x 1 s", {}, async (s) => {
        await route(s, "bench", "/slow", { MODE: "sleep", SLEEP_MS: "1000" });
        await settle();
        const r = await burst(Array.from({ length: 50 }, () => call(s, "bench", "/slow")));
        return { latencies: r.latenciesMs, failed: r.failed, statuses: r.statuses, wallMs: r.wallMs };
      }),
    );
  }
  if (only.has("c")) {
    done(
      // 8 GiB of reservations: with 64 MiB functions at most 128 live containers, the rest by eviction.
      await scenario(mode, `c: ${ROUTES} routes, waves of 100`, { HOTFN_MAX_MEMORY: "8192", HOTFN_MEMORY_WAIT: values["c-wait"] }, async (s) => {
        for (let i = 0; i < ROUTES; i += 50) {
          await Promise.all(Array.from({ length: Math.min(50, ROUTES - i) }, (_, j) => route(s, "many", `/f${i + j}`, { MODE: "echo" })));
        }
        await settle();
        const latencies: number[] = [];
        const statuses: Record<string, number> = {};
        let failed = 0;
        const began = performance.now();
        for (let i = 0; i < ROUTES; i += 100) {
          const r = await burst(Array.from({ length: Math.min(100, ROUTES - i) }, (_, j) => call(s, "many", `/f${i + j}`)));
          latencies.push(...r.latenciesMs);
          failed += r.failed;
          for (const [k, n] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + n;
        }
        return { latencies, failed, statuses, wallMs: performance.now() - began };
      }),
    );
  }
}

console.log(table(HEADERS, rows.map(cells)));
