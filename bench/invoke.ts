/**
 * bench/invoke: sync-call throughput and latency of a no-op function through hotfn, for the `default`
 * format (a container per call) and the hot `http` format, next to a plain `docker run` of the same
 * image as the baseline. Load comes from wrk (Debian package `wrk`) over loopback, bounded in time.
 *
 *   bun bench/invoke.ts [--seconds 10] [--connections 1,4,16]
 */
import { parseArgs } from "node:util";
import { ensureImages } from "../test/helpers/images.ts";
import { percentile, startServer, table, type TestServer } from "./lib.ts";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "10" }, connections: { type: "string", default: "1,4,16" } } });
const SECONDS = Number(values.seconds);
const CONNECTIONS = values.connections.split(",").map(Number);
const IMAGE = "hotfn-test/echo:latest";

if (Bun.spawnSync(["which", "wrk"]).exitCode !== 0) {
  console.error("bench/invoke needs wrk: apt-get install -y wrk");
  process.exit(2);
}
await ensureImages();

interface Row {
  what: string;
  conc: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** wrk's own figures: requests/s, latency percentiles (ms) and non-2xx/socket errors. */
function wrk(url: string, connections: number, seconds: number): Omit<Row, "what" | "conc"> {
  const out = Bun.spawnSync(["wrk", "-t", String(Math.min(2, connections)), "-c", String(connections), "-d", `${seconds}s`, "--timeout", "30s", "--latency", url]).stdout.toString();
  const ms = (label: string) => {
    const m = new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    if (!m) return Number.NaN;
    const v = Number(m[1]);
    return m[2] === "us" ? v / 1000 : m[2] === "s" ? v * 1000 : v;
  };
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  return { rps, p50: ms("50"), p99: ms("99"), errors };
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
    rows.push({ what: "hotfn default (container per call)", conc, ...wrk(`${s.url}/r/bench/default?payload=x`, conc, SECONDS) });
    rows.push({ what: "hotfn http (hot)", conc, ...wrk(`${s.url}/r/bench/http?payload=x`, conc, SECONDS) });
  }
} finally {
  await s?.stop();
}

console.log(table(["what", "concurrency", "calls/s", "p50 ms", "p99 ms", "errors"], rows.map((r) => [r.what, r.conc, r.rps, r.p50, r.p99, r.errors])));
