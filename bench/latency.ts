/**
 * bench/latency: latency percentiles of a hot no-op, compared across hotfn builds in one run (for
 * issue 16: before and after a change). Each round starts every build afresh, in turn, so machine
 * noise falls on all of them alike; each measures wrk at `--connections` after `--warm` seconds of
 * the same load, and reports calls/s, p50/p90/p99 and hotfn's RSS at the end.
 *
 *   bun bench/latency.ts --bin before=/tmp/hotfn-before/dist/hotfn,after=dist/hotfn \
 *     [--format http-stream] [--connections 1] [--seconds 20] [--warm 5] [--rounds 3] [--image hotfn-test/echo:latest]
 *     [--variant label:NAME=value+NAME2=value ...] [--wire] [--gc] [--burner]
 * Each --variant runs every build again with those environment variables (e.g. to try a setting).
 * --burner runs every row a second time ("+ idle burner") with a busy loop at the lowest priority
 * there is (SCHED_IDLE, `chrt -i 0`) during the measurement: it takes only CPU time no other thread
 * wants, so what it changes is what any background work on the other core costs hot calls' tail
 * (on this 2-core VM: c=1 p99 1.4 → 4–5 ms; bench/README.md "Issue 10").
 * --wire (one connection, tcpdump installed) adds hotfn's latency as the loopback wire sees it, from
 * each request's packet to its answer's, and how many answers a second took over 2 ms: wrk corrects
 * for coordinated omission (lib.ts `wrk`), so those stalls, not the 99th answer in 100, decide
 * whether its p99 is under 2 ms.
 * --gc adds the JS engine's young-generation (Eden) collections a second and their pauses (the
 * server runs with BUN_JSC_logGC=1): the stalls that --wire counts are mostly these.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ensureImages, FN_IMAGE } from "../test/helpers/images.ts";
import { edenPauses, hasCommand, requireWrk, startServer, table, watchWire, type WireLatency, wrk } from "./lib.ts";

const { values } = parseArgs({
  options: {
    bin: { type: "string", default: "current=" },
    format: { type: "string", default: "http-stream" },
    image: { type: "string", default: FN_IMAGE },
    connections: { type: "string", default: "1" },
    seconds: { type: "string", default: "20" },
    warm: { type: "string", default: "5" },
    rounds: { type: "string", default: "3" },
    variant: { type: "string", multiple: true, default: [] },
    wire: { type: "boolean", default: false },
    gc: { type: "boolean", default: false },
    burner: { type: "boolean", default: false },
  },
});
/** label:NAME=value+NAME=value; none means one run of each build with hotfn's defaults */
const VARIANTS = (values.variant.length > 0 ? values.variant : [""]).map((spec) => {
  const colon = spec.indexOf(":");
  const label = colon < 0 ? spec : spec.slice(0, colon);
  const env: Record<string, string> = {};
  for (const pair of colon < 0 ? [] : spec.slice(colon + 1).split("+").filter(Boolean)) {
    const eq = pair.indexOf("=");
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { label, env };
});
/** label=path pairs; an empty path runs `bun src/main.ts` */
const BUILDS = values.bin.split(",").map((pair) => {
  const [label = "", path = ""] = pair.split("=");
  return { label, path: path === "" ? undefined : path };
});
const CONNECTIONS = Number(values.connections);
const SECONDS = Number(values.seconds);
const WARM = Number(values.warm);
if (values.burner && !hasCommand("chrt")) {
  console.error("bench/latency --burner needs chrt (util-linux)");
  process.exit(2);
}
if (values.wire && (CONNECTIONS !== 1 || !hasCommand("tcpdump"))) {
  console.error("bench/latency --wire needs --connections 1 and tcpdump (apt-get install -y tcpdump)");
  process.exit(2);
}

requireWrk("bench/latency");
await ensureImages();

/** Sub-millisecond figures need two decimals. */
const ms = (n: number) => n.toFixed(2);

const rows: (string | number)[][] = [];
for (let round = 1; round <= Number(values.rounds); round++) {
  const runs = BUILDS.flatMap((b) => VARIANTS.map((v) => ({ ...b, label: v.label ? `${b.label} ${v.label}` : b.label, env: v.env })));
  for (const build of runs.flatMap((r) => (values.burner ? [r, { ...r, label: `${r.label} + idle burner`, burner: true }] : [r]))) {
    const s = await startServer({ bin: build.path, env: values.gc ? { ...build.env, BUN_JSC_logGC: "1" } : build.env });
    try {
      const r = await s.json("/v1/apps/bench/routes", { method: "POST", body: { route: { path: "/noop", image: values.image, format: values.format, memory: 64 } } });
      if (r.status !== 200) throw new Error(`route: ${r.status} ${JSON.stringify(r.body)}`);
      const url = `${s.url}/r/bench/noop?payload=x`;
      await (await fetch(url)).arrayBuffer();
      await wrk(url, { connections: CONNECTIONS, seconds: WARM, threads: 1 });
      const watch = values.wire ? watchWire(Number(new URL(s.url).port)) : undefined;
      if (watch) await Bun.sleep(300); // tcpdump is capturing before the first request
      const logMark = s.logs().length;
      const burner = "burner" in build ? Bun.spawn(["chrt", "-i", "0", "sh", "-c", "while :; do :; done"]) : undefined;
      const w = await wrk(url, { connections: CONNECTIONS, seconds: SECONDS, threads: 1 }).finally(() => burner?.kill());
      const gc = values.gc ? edenPauses(s.logs().slice(logMark), SECONDS) : undefined;
      const wire: WireLatency | undefined = await watch?.stop();
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${s.proc.pid}/status`, "utf8"))?.[1] ?? Number.NaN) / 1024;
      rows.push([build.label, round, w.rps, ms(w.p50), ms(w.p90), ms(w.p99), ...(wire ? [ms(wire.p50), ms(wire.p90), ms(wire.p99), wire.over2msPerS.toFixed(1)] : []), ...(gc ? [gc.perS.toFixed(1), ms(gc.p50), ms(gc.p90)] : []), w.errors, rss]);
      console.error(rows.at(-1)!.join("\t"));
    } finally {
      await s.stop();
    }
  }
}

console.log(`${values.format}, ${CONNECTIONS} connection(s), ${SECONDS} s per row after ${WARM} s of warm-up; load ${readFileSync("/proc/loadavg", "utf8").trim()}`);
const wireColumns = values.wire ? ["wire p50 ms", "wire p90 ms", "wire p99 ms", "wire > 2 ms /s"] : [];
const gcColumns = values.gc ? ["Eden GCs /s", "Eden pause p50 ms", "Eden pause p90 ms"] : [];
console.log(table(["build", "round", "calls/s", "p50 ms", "p90 ms", "p99 ms", ...wireColumns, ...gcColumns, "errors", "RSS at end MB"], rows));
