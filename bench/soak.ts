/**
 * bench/soak: hotfn's memory under sustained mixed load (issue 16). On a fresh hotfn, for `--seconds`:
 * wrk on a hot `http-stream` no-op and on a hot `http` no-op at once, async calls at `--async-rate`
 * per second, and every `--churn-every` seconds a new route created, called once and deleted. Every
 * `--every` seconds a row: RSS and JS heap (from hotfn's /metrics), the database's size on disk (file
 * and write-ahead log), calls/s and p99 per format, errors. After the load: the async backlog
 * drained, then 10 s idle, then a forced full collection. `--retention` is HOTFN_CALL_RETENTION
 * (issue 8: the database stays flat once calls older than that are pruned).
 *
 *   bun bench/soak.ts [--seconds 600] [--every 30] [--connections 4] [--async-rate 10] [--churn-every 3] [--retention 7d] [--bin dist/hotfn]
 *     [--env NAME=value ...]
 * Each --env is set for hotfn (e.g. `--env MIMALLOC_PURGE_DELAY=1000`, to soak with the allocator's
 * purging on: README "Memory kept for reuse").
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ensureImages, FN_IMAGE } from "../test/helpers/images.ts";
import { metricSum, requireWrk, startServer, table, type TestServer, wrk } from "./lib.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "600" },
    every: { type: "string", default: "30" },
    connections: { type: "string", default: "4" },
    "async-rate": { type: "string", default: "10" },
    "churn-every": { type: "string", default: "3" },
    retention: { type: "string", default: "7d" },
    bin: { type: "string" },
    env: { type: "string", multiple: true, default: [] },
  },
});
const SECONDS = Number(values.seconds);
const EVERY = Number(values.every);
const CONNECTIONS = Number(values.connections);
const ASYNC_RATE = Number(values["async-rate"]);
const CHURN_EVERY_MS = Number(values["churn-every"]) * 1000;
const MB = 1024 * 1024;

requireWrk("bench/soak");
await ensureImages();

/** Work done beside wrk, counted as it happens. */
const side = { asyncAccepted: 0, asyncRefused: 0, churned: 0, churnFailed: 0 };

async function createRoute(s: TestServer, path: string, extra: Record<string, unknown> = {}) {
  const r = await s.json("/v1/apps/soak/routes", { method: "POST", body: { route: { path, image: FN_IMAGE, memory: 64, format: "http-stream", ...extra } } });
  if (r.status !== 200) throw new Error(`route ${path}: ${r.status} ${JSON.stringify(r.body)}`);
}

/** Async calls at `rate` per second until `stop()`; each must be accepted with a 202. */
async function asyncLoad(s: TestServer, rate: number, running: () => boolean) {
  const gap = 1000 / rate;
  let next = performance.now();
  while (running()) {
    const res = await s.fetch("/r/soak/async", { method: "POST", body: "x" }).catch(() => null);
    if (res?.status === 202) side.asyncAccepted++;
    else side.asyncRefused++;
    await res?.arrayBuffer();
    next += gap;
    await Bun.sleep(Math.max(0, next - performance.now()));
  }
}

/** A new route, called once (a cold start) and deleted, every `everyMs`, until `stop()`. */
async function churn(s: TestServer, everyMs: number, running: () => boolean) {
  for (let n = 0; running(); n++) {
    const began = performance.now();
    try {
      await createRoute(s, `/churn-${n}`);
      const res = await s.fetch(`/r/soak/churn-${n}`, { method: "POST", body: "x" });
      await res.arrayBuffer();
      const del = await s.fetch(`/v1/apps/soak/routes/churn-${n}`, { method: "DELETE" });
      if (res.status === 200 && del.status === 200) side.churned++;
      else side.churnFailed++;
    } catch {
      side.churnFailed++;
    }
    await Bun.sleep(Math.max(0, everyMs - (performance.now() - began)));
  }
}

/** RSS from /proc (so builds without the memory gauges can be compared), the JS heap from /metrics. */
async function memory(s: TestServer) {
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${s.proc.pid}/status`, "utf8"))?.[1] ?? Number.NaN) / 1024;
  const text = await (await s.fetch("/metrics")).text();
  const heap = /^hotfn_heap_bytes (\S+)$/m.exec(text)?.[1];
  const size = (file: string) => {
    try {
      return statSync(join(s.dir, file)).size;
    } catch {
      return 0;
    }
  };
  const db = (size("hotfn.db") + size("hotfn.db-wal") + size("hotfn.db-shm")) / MB;
  return { rss, heap: heap === undefined ? Number.NaN : Number(heap) / MB, db };
}

const rows: (string | number)[][] = [];
const print = (row: (string | number)[]) => {
  rows.push(row);
  console.error(row.map((c) => (typeof c === "number" ? c.toFixed(1) : c)).join("\t"));
};

const extraEnv = Object.fromEntries(
  values.env.map((pair) => {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new Error(`--env wants NAME=value, not ${JSON.stringify(pair)}`);
    return [pair.slice(0, eq), pair.slice(eq + 1)];
  }),
);
const s = await startServer({ bin: values.bin, env: { HOTFN_DEBUG_HEAP: "1", HOTFN_CALL_RETENTION: values.retention, ...extraEnv } });
try {
  await createRoute(s, "/stream");
  await createRoute(s, "/http", { format: "http" });
  await createRoute(s, "/async", { type: "async" });
  for (const path of ["/stream", "/http"]) await (await s.fetch(`/r/soak${path}?payload=warm`)).arrayBuffer();
  const idle = await memory(s);
  print(["0 (warm, idle)", idle.rss, idle.heap, idle.db, "-", "-", "-", 0, 0, 0]);

  let loading = true;
  const background = [asyncLoad(s, ASYNC_RATE, () => loading), churn(s, CHURN_EVERY_MS, () => loading)];
  const began = performance.now();
  let errors = 0;
  while ((performance.now() - began) / 1000 < SECONDS - 0.5) {
    const window = Math.min(EVERY, Math.round(SECONDS - (performance.now() - began) / 1000));
    const [stream, http] = await Promise.all([
      wrk(`${s.url}/r/soak/stream?payload=x`, { connections: CONNECTIONS, seconds: window, threads: 1 }),
      wrk(`${s.url}/r/soak/http?payload=x`, { connections: CONNECTIONS, seconds: window, threads: 1 }),
    ]);
    errors += stream.errors + http.errors;
    const m = await memory(s);
    print([Math.round((performance.now() - began) / 1000), m.rss, m.heap, m.db, stream.rps + http.rps, stream.p99, http.p99, stream.errors + http.errors, side.asyncAccepted, side.churned]);
  }
  loading = false;
  await Promise.all(background);

  // Every accepted async call must finish before the idle figures are taken.
  const asyncDone = () => metricSum(s, "hotfn_calls_total", 'route="/async"');
  const drainUntil = Date.now() + 300_000;
  while ((await asyncDone()) < side.asyncAccepted && Date.now() < drainUntil) await Bun.sleep(250);
  await Bun.sleep(10_000);
  const rest = await memory(s);
  print(["load stopped, +10 s idle", rest.rss, rest.heap, rest.db, "-", "-", "-", 0, side.asyncAccepted, side.churned]);
  const gc = await s.json("/v1/debug/heap", { method: "POST" });
  if (gc.status === 200) print(["idle, after a full GC", gc.body.rss_bytes / MB, gc.body.heap_bytes / MB, rest.db, "-", "-", "-", 0, side.asyncAccepted, side.churned]);

  console.log(
    table(["elapsed s", "RSS MB", "JS heap MB", "database MB", "calls/s", "p99 ms http-stream", "p99 ms http", "errors", "async accepted", "routes churned"], rows),
  );
  const afterFirstMinute = rows.filter((r) => typeof r[0] === "number" && r[0] > 60);
  if (afterFirstMinute.length >= 2) {
    const rss = afterFirstMinute.map((r) => r[1] as number);
    console.log(`RSS after the first minute: max ${Math.max(...rss).toFixed(1)} MB, slope ${slopePerMinute(afterFirstMinute, 1).toFixed(2)} MB/min`);
  }
  const afterRetention = rows.filter((r) => typeof r[0] === "number" && r[0] > 120);
  if (afterRetention.length >= 2) {
    const db = afterRetention.map((r) => r[3] as number);
    console.log(`database after two minutes: max ${Math.max(...db).toFixed(1)} MB, slope ${slopePerMinute(afterRetention, 3).toFixed(2)} MB/min (HOTFN_CALL_RETENTION=${values.retention})`);
  }
  console.log(
    `wrk errors ${errors}; async: ${side.asyncAccepted} accepted, ${side.asyncRefused} refused, ${await asyncDone()} finished; churn: ${side.churned} routes, ${side.churnFailed} failed; load ${(await loadAverage()).trim()}`,
  );
} finally {
  await s.stop();
}

/** Least-squares slope of a column (RSS: 1, database: 3) over elapsed seconds (column 0), per minute. */
function slopePerMinute(r: (string | number)[][], column: number): number {
  const xs = r.map((x) => (x[0] as number) / 60);
  const ys = r.map((x) => x[column] as number);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const num = xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0);
  const den = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return num / den;
}

async function loadAverage(): Promise<string> {
  return Bun.file("/proc/loadavg").text();
}
