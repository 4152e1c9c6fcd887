/**
 * bench/invoke: sync-call throughput and latency of a no-op function through hotfn, for the `default`
 * format (a container per call) and the hot `http` format, next to a plain `docker run` of the same
 * image as the baseline. Load comes from wrk (Debian package `wrk`) over loopback, bounded in time.
 *
 *   bun bench/invoke.ts [--seconds 10] [--connections 1,4,16] [--image hotfn-test/echo:latest]
 */
import { parseArgs } from "node:util";
import { ensureImages } from "../test/helpers/images.ts";
import { percentile, requireWrk, startServer, table, type TestServer, wrk } from "./lib.ts";

const { values } = parseArgs({
  options: { seconds: { type: "string", default: "10" }, connections: { type: "string", default: "1,4,16" }, image: { type: "string", default: "hotfn-test/echo:latest" } },
});
const SECONDS = Number(values.seconds);
const CONNECTIONS = values.connections.split(",").map(Number);
const IMAGE = values.image;

requireWrk("bench/invoke");
await ensureImages();

interface Row {
  what: string;
  conc: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** The baseline: `docker run --rm -i` of the same image, `connections` at a time, for `seconds`. */
async function dockerRun(connections: number, seconds: number): Promise<Omit<Row, "what" | "conc">> {
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        const t0 = performance.now();
        const p = Bun.spawn(["docker", "run", "--rm", "-i", "--network", "none", "-e", "FN_FORMAT=default", IMAGE], { stdin: new TextEncoder().encode("x"), stdout: "pipe", stderr: "ignore" });
        if ((await p.exited) !== 0) errors++;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
}

const pick = ({ rps, p50, p99, errors }: Awaited<ReturnType<typeof wrk>>) => ({ rps, p50, p99, errors });

const rows: Row[] = [];
let s: TestServer | undefined;
try {
  s = await startServer({});
  for (const format of ["default", "http"] as const) {
    await s.json("/v1/apps/bench/routes", { method: "POST", body: { route: { path: `/${format}`, image: IMAGE, format, memory: 64 } } });
    await s.fetch(`/r/bench/${format}?payload=warm`);
  }
  for (const conc of CONNECTIONS) {
    rows.push({ what: "docker run --rm -i (baseline)", conc, ...(await dockerRun(conc, SECONDS)) });
    rows.push({ what: "hotfn default (container per call)", conc, ...pick(await wrk(`${s.url}/r/bench/default?payload=x`, { connections: conc, seconds: SECONDS })) });
    rows.push({ what: "hotfn http (hot)", conc, ...pick(await wrk(`${s.url}/r/bench/http?payload=x`, { connections: conc, seconds: SECONDS })) });
  }
} finally {
  await s?.stop();
}

console.log(table(["what", "concurrency", "calls/s", "p50 ms", "p99 ms", "errors"], rows.map((r) => [r.what, r.conc, r.rps, r.p50, r.p99, r.errors])));
