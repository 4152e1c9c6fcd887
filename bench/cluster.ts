/**
 * bench/cluster: hotfn nodes on PostgreSQL behind nginx (deploy/cluster.sh), under mixed load from
 * this process: `--concurrency` loops of sync calls to nine hot functions through nginx, and a stream
 * of async calls (each sleeps `--async-ms`), every `--async-every` ms.
 *   throughput  1 node and 3 nodes, `--seconds` of load: sync calls/s and latency, async calls
 *               accepted/s and how long they took to drain
 *   crash       3 nodes: the load runs while the node home to a slow function is SIGKILLed with
 *               calls on it, stays dead, and is started again; then a route is changed through a
 *               surviving node and watched on every node. What each kind of call saw.
 *
 *   bun bench/cluster.ts [--seconds 10] [--concurrency 16] [--async-every 20] [--async-ms 50]
 */
import { parseArgs } from "node:util";
import { type Cluster, startCluster } from "../test/helpers/cluster.ts";
import { crashScenario, createRoutes, drained, startLoad, warm } from "../test/helpers/cluster-load.ts";
import { ensureImages } from "../test/helpers/images.ts";
import { percentile, table } from "./lib.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    concurrency: { type: "string", default: "16" },
    "async-every": { type: "string", default: "20" },
    "async-ms": { type: "string", default: "50" },
  },
});
const SECONDS = Number(values.seconds);
const LOAD = { concurrency: Number(values.concurrency), asyncEveryMs: Number(values["async-every"]), asyncMs: Number(values["async-ms"]) };

await ensureImages();

async function withCluster<T>(nodes: number, run: (c: Cluster) => Promise<T>): Promise<T> {
  const c = await startCluster({ nodes });
  try {
    return await run(c);
  } finally {
    await c.down();
  }
}

const throughput: (string | number)[][] = [];
for (const nodes of [1, 3]) {
  await withCluster(nodes, async (c) => {
    await createRoutes(c);
    await warm(c);
    const began = performance.now();
    const load = startLoad(c, LOAD);
    await Bun.sleep(SECONDS * 1000);
    const { sync, accepted, ms } = await load.stop();
    await drained(c, accepted);
    const drainedMs = performance.now() - began;
    const ok = sync.filter((r) => r.status === 200);
    const latencies = ok.map((r) => r.ms).sort((a, b) => a - b);
    throughput.push([
      nodes,
      (ok.length / ms) * 1000,
      percentile(latencies, 50),
      percentile(latencies, 99),
      sync.length - ok.length,
      (accepted.length / ms) * 1000,
      drainedMs / 1000,
    ]);
  });
}
console.log(`\nMixed load through nginx, ${SECONDS} s, ${LOAD.concurrency} sync loops, an async call every ${LOAD.asyncEveryMs} ms\n`);
console.log(table(["nodes", "sync calls/s", "p50 ms", "p99 ms", "sync errors", "async accepted/s", "all async done after s"], throughput));

const r = await withCluster(3, (c) => crashScenario(c, { beforeMs: 3000, deadMs: 6000, afterMs: 3000, ...LOAD }));
const count = (records: { status: number }[], ok: (s: number) => boolean) => records.filter((x) => ok(x.status)).length;
const by = (records: { status: number }[]) =>
  Object.entries(records.reduce<Record<number, number>>((n, x) => ((n[x.status] = (n[x.status] ?? 0) + 1), n), {}))
    .map(([s, n]) => `${n} × ${s}`)
    .join(", ");
const retried = r.outcomes.filter((o) => o.attempts > 1).length;
const lost = r.accepted.length - r.outcomes.filter((o) => o.status === "success").length;
console.log(`\nA node SIGKILLed under that load (3 nodes; it stays dead 6 s, then restarts)\n`);
console.log(
  table(
    ["what", "figure"],
    [
      ["sync calls to functions homed on the other nodes", `${r.elsewhere.length}: ${by(r.elsewhere)}`],
      ["sync calls to functions homed on the killed node", `${r.onVictim.length}: ${by(r.onVictim)}`],
      ["calls in flight on it when it died", `${r.inFlight.length}: ${by(r.inFlight)}, answered ${Math.round(Math.max(...r.inFlight.map((x) => x.ms)))} ms after the kill at most`],
      ["async calls accepted (202)", r.accepted.length],
      ["async calls refused (not 202) during the crash", `${r.refused.length}${r.refused.length ? `: ${by(r.refused.map((status) => ({ status })))}` : ""}`],
      ["accepted async calls that ran once / were retried / lost", `${count(r.outcomes.map((o) => ({ status: o.attempts })), (a) => a === 1)} / ${retried} / ${lost}`],
      ["restart of the killed node until it listened", `${Math.round(r.restartMs)} ms`],
      ["route changed through one node, served in its new form by", [...r.propagation].map(([n, ms]) => `${n.replace(/^cl-\w+-/, "node ")}: ${ms.toFixed(0)} ms`).join(", ")],
      ["containers of the dead process left once it is back", r.leftBehind.length],
    ],
  ),
);
