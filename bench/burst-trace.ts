/**
 * bench/burst-trace: one burst of bench/burst's scenario (a), 200 simultaneous calls to a 20 ms
 * function on a fresh hotfn, traced: when calls finished (per 100 ms), and each launch and each
 * container's start as hotfn logged them (its debug log), so a slow burst shows where its time went.
 *
 *   bun bench/burst-trace.ts [--calls 200] [--sleep-ms 20] [--settle-ms 0] [--env K=V,K=V]
 *
 * `--settle-ms` waits after start-up before the burst (the namespace holders are made in the
 * background); `--env` passes settings to hotfn, e.g. `--env HOTFN_MAX_CONCURRENT_STARTS=4`.
 */
import { parseArgs } from "node:util";
import { ensureImages, FN_IMAGE } from "../test/helpers/images.ts";
import { metricSum, percentile, startServer, table } from "./lib.ts";

const { values } = parseArgs({
  options: {
    calls: { type: "string", default: "200" },
    "sleep-ms": { type: "string", default: "20" },
    "settle-ms": { type: "string", default: "0" },
    env: { type: "string", default: "" },
  },
});
const env = Object.fromEntries(
  values.env
    .split(",")
    .filter((kv) => kv.includes("="))
    .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
);

await ensureImages();
const s = await startServer({ env: { ...env, LOG_LEVEL: "debug" } });
try {
  const r = await s.json("/v1/apps/bench/routes", {
    method: "POST",
    body: { route: { path: "/fast", image: FN_IMAGE, format: "http", memory: 64, config: { MODE: "sleep", SLEEP_MS: values["sleep-ms"] } } },
  });
  if (r.status !== 200) throw new Error(`route: ${r.status} ${JSON.stringify(r.body)}`);
  await Bun.sleep(Number(values["settle-ms"]));

  const began = performance.now();
  const wallClockBegan = Date.now();
  const done: number[] = [];
  await Promise.all(
    Array.from({ length: Number(values.calls) }, async () => {
      const res = await s.fetch("/r/bench/fast", { method: "POST", body: "" });
      await res.arrayBuffer();
      done.push(performance.now() - began);
    }),
  );
  done.sort((a, b) => a - b);

  const per100: Record<number, number> = {};
  for (const ms of done) per100[Math.floor(ms / 100) * 100] = (per100[Math.floor(ms / 100) * 100] ?? 0) + 1;
  console.log(`${done.length} calls, p50 ${percentile(done, 50).toFixed(0)} ms, p99 ${percentile(done, 99).toFixed(0)} ms, last ${done.at(-1)?.toFixed(0)} ms`);
  console.log(table(["from ms", "calls finished"], Object.entries(per100).map(([at, n]) => [Number(at), n])));

  const withdrawn = await metricSum(s, "hotfn_start_failures_total", 'reason="withdrawn"');
  const gateWaits = await metricSum(s, "hotfn_start_gate_wait_seconds_count");
  const gateWaitS = await metricSum(s, "hotfn_start_gate_wait_seconds_sum");
  // The gate's waits include waits for memory and waits that ended in a withdrawal or an abort.
  console.log(`launches withdrawn: ${withdrawn}; waits at the start gate (slot or memory): ${gateWaits}, mean ${gateWaits > 0 ? ((gateWaitS / gateWaits) * 1000).toFixed(0) : "-"} ms`);

  // The pool's debug log: a line per launch (the rule, what it saw) and per container ready.
  const rows: (string | number)[][] = [];
  for (const line of s.logs().split("\n")) {
    if (!line.startsWith("{")) continue;
    const j = JSON.parse(line) as Record<string, unknown>;
    const at = Date.parse(String(j.time)) - wallClockBegan;
    if (j.msg === "launch") rows.push([at, "launch", String(j.reason), `busy ${j.busy}, starting ${j.starting}, waiting ${j.waiting}, est ${Math.round(Number(j.estimatedWaitMs))} ms, run ${Math.round(Number(j.runMeanMs))} ms, cold mean ${Math.round(Number(j.coldStartMs))} ms, oldest start ${Math.round(Number(j.oldestStartMs))} ms`]);
    if (j.msg === "ready") {
      const steps = j.steps as Record<string, number>;
      rows.push([at, "ready", `cold start ${Math.round(Number(j.coldMs))} ms`, Object.entries(steps).map(([k, v]) => `${k} ${Math.round(v)}`).join(", ")]);
    }
    if (j.msg === "launch withdrawn") rows.push([at, "withdrawn", "", `covering ${j.covering}, waiting ${j.waiting}`]);
  }
  console.log(table(["ms after the burst began", "event", "why / how long", "what the pool saw / start steps (ms)"], rows));
} finally {
  await s.stop();
}
