/**
 * bench/async: the async queue's throughput for a no-op hot function, over loopback.
 *   accept   N async calls at a bounded concurrency on a node with no workers: 202s per second
 *   drain    the same queued calls, run by a restarted node's in-process workers: calls per second
 *            from its start until the queue is empty (first containers' cold starts included)
 *   both     accept and drain at once on a fresh node with workers
 * Prints one row per scenario and worker count.
 *
 *   bun bench/async.ts [--n 2000] [--concurrency 50] [--workers 4,16] [--format json] [--image hotfn-test/echo:latest]
 */
import { rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { ensureImages, IMAGES } from "../test/helpers/images.ts";
import { startServer, table, type TestServer } from "./lib.ts";

const { values } = parseArgs({
  options: {
    n: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "50" },
    workers: { type: "string", default: "4,16" },
    format: { type: "string", default: "json" },
    image: { type: "string", default: IMAGES.echo },
  },
});
const N = Number(values.n);
const C = Number(values.concurrency);
const WORKERS = values.workers.split(",").map(Number);
const IMAGE = values.image;

await ensureImages();

async function addRoute(s: TestServer) {
  const r = await s.json("/v1/apps/bench/routes", { method: "POST", body: { route: { path: "/noop", image: IMAGE, type: "async", format: values.format, memory: 64 } } });
  if (r.status !== 200) throw new Error(`route: ${r.status} ${JSON.stringify(r.body)}`);
}

/** Sends N async calls, C in flight at a time; returns how long it took and how many got a 202. */
async function accept(s: TestServer): Promise<{ ms: number; accepted: number }> {
  let next = 0;
  let accepted = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (next < N) {
        next++;
        const res = await s.fetch("/r/bench/noop", { method: "POST", body: "" });
        await res.arrayBuffer();
        if (res.status === 202) accepted++;
      }
    }),
  );
  return { ms: performance.now() - began, accepted };
}

/** Polls until no call of the route is queued or running; returns when that happened (performance.now()). */
async function drained(s: TestServer): Promise<number> {
  const pending = async (status: string) => (await s.json(`/v1/apps/bench/calls/noop?status=${status}&per_page=1`)).body.calls.length;
  for (;;) {
    if ((await pending("queued")) === 0 && (await pending("running")) === 0) return performance.now();
    await Bun.sleep(20);
  }
}

async function terminal(s: TestServer, status: string): Promise<number> {
  let count = 0;
  let cursor = "";
  for (;;) {
    const page = await s.json(`/v1/apps/bench/calls/noop?status=${status}&per_page=100${cursor ? `&cursor=${cursor}` : ""}`);
    count += page.body.calls.length;
    if (!page.body.next_cursor) return count;
    cursor = page.body.next_cursor;
  }
}

const quiet = { HOTFN_MAX_QUEUED: String(N * 2) };
const rows: (string | number)[][] = [];

for (const workers of WORKERS) {
  // accept, then drain on a restart
  const node = `bench-async-${crypto.randomUUID().slice(0, 6)}`;
  const api = await startServer({ env: { ...quiet, HOTFN_NODE: node, HOTFN_ASYNC_WORKERS: "0" } });
  await addRoute(api);
  const a = await accept(api);
  rows.push(["accept", 0, N, a.accepted, a.ms / 1000, (a.accepted / a.ms) * 1000, "-"]);
  await api.stop({ keepDir: true });

  const began = performance.now();
  const runner = await startServer({ dir: api.dir, env: { ...quiet, HOTFN_NODE: node, HOTFN_ASYNC_WORKERS: String(workers) } });
  const done = await drained(runner);
  const ok = await terminal(runner, "success");
  rows.push(["drain (after restart)", workers, N, ok, (done - began) / 1000, "-", (ok / (done - began)) * 1000]);
  await runner.stop();
  rmSync(api.dir, { recursive: true, force: true });

  // accept and drain at once
  const both = await startServer({ env: { ...quiet, HOTFN_ASYNC_WORKERS: String(workers) } });
  await addRoute(both);
  const t0 = performance.now();
  const b = await accept(both);
  const end = await drained(both);
  const bothOk = await terminal(both, "success");
  rows.push(["accept + drain at once", workers, N, bothOk, (end - t0) / 1000, (b.accepted / b.ms) * 1000, (bothOk / (end - t0)) * 1000]);
  await both.stop();
}

console.log(`async bench: N=${N} calls, concurrency ${C}, no-op ${values.format} function (${IMAGE}), loopback`);
console.log(table(["scenario", "workers", "calls", "succeeded", "wall s", "accepted/s", "drained/s"], rows));
