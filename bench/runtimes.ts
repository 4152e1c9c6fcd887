/**
 * bench/runtimes: hot calls with hotfn's source on Bun and on Deno, in one run (issue 15). Each round
 * starts hotfn afresh on each runtime in turn, so machine noise falls on both alike; per format it
 * warms a hot no-op route, then measures wrk at `--connections` and reports calls/s, p50/p90/p99 and
 * hotfn's RSS at the end.
 *
 *   bun bench/runtimes.ts [--formats http-stream,http] [--connections 1,8] [--seconds 15] [--warm 5] [--rounds 2]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ensureImages, FN_IMAGE } from "../test/helpers/images.ts";
import { requireWrk, startServer, table, wrk } from "./lib.ts";

const { values } = parseArgs({
  options: {
    formats: { type: "string", default: "http-stream,http" },
    image: { type: "string", default: FN_IMAGE },
    connections: { type: "string", default: "1,8" },
    seconds: { type: "string", default: "15" },
    warm: { type: "string", default: "5" },
    rounds: { type: "string", default: "2" },
  },
});
const FORMATS = values.formats.split(",");
const CONNECTIONS = values.connections.split(",").map(Number);
const SECONDS = Number(values.seconds);
const WARM = Number(values.warm);
const RUNTIMES = ["bun", "deno"] as const;

requireWrk("bench/runtimes");
await ensureImages();

const ms = (n: number) => n.toFixed(2);
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? Number.NaN) / 1024;
const loadBefore = readFileSync("/proc/loadavg", "utf8").trim();

const rows: (string | number)[][] = [];
for (let round = 1; round <= Number(values.rounds); round++) {
  for (const runtime of RUNTIMES) {
    const s = await startServer({ runtime });
    try {
      for (const format of FORMATS) {
        const path = `/noop-${format}`;
        const r = await s.json("/v1/apps/bench/routes", { method: "POST", body: { route: { path, image: values.image, format, memory: 64 } } });
        if (r.status !== 200) throw new Error(`route: ${r.status} ${JSON.stringify(r.body)}`);
        const url = `${s.url}/r/bench${path}?payload=x`;
        await (await fetch(url)).arrayBuffer();
        for (const connections of CONNECTIONS) {
          await wrk(url, { connections, seconds: WARM });
          const w = await wrk(url, { connections, seconds: SECONDS });
          rows.push([runtime, format, connections, round, w.rps, ms(w.p50), ms(w.p90), ms(w.p99), w.errors, rssMiB(s.proc.pid)]);
          console.error(rows.at(-1)!.join("\t"));
        }
      }
    } finally {
      await s.stop();
    }
  }
}

console.log(`${SECONDS} s per row after ${WARM} s of warm-up, hotfn from source; load ${loadBefore} → ${readFileSync("/proc/loadavg", "utf8").trim()}`);
console.log(table(["runtime", "format", "conns", "round", "calls/s", "p50 ms", "p90 ms", "p99 ms", "errors", "RSS at end MB"], rows));
