/**
 * bench/floor: what the tail latency of a hot call is made of on this machine. wrk at one connection
 * against, in turn and in each round:
 *   1. a Bun server that answers itself          — wrk, Bun's HTTP server and the scheduler
 *   2. a Bun server that passes each request to the http-stream no-op over its unix socket
 *                                                — 1 plus the function and one hop, nothing of hotfn's
 *   3. hotfn with an http-stream route on the same image
 * Rows 1 and 2 are the floor hotfn stands on: when row 2's p99 is above a goal, no change to hotfn
 * meets it here. `--pin` runs wrk on the last core and the servers on the others (taskset).
 *
 *   bun bench/floor.ts [--seconds 15] [--warm 5] [--rounds 3] [--connections 1] [--image hotfn-test/noop:latest] [--pin]
 */
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ensureImages } from "../test/helpers/images.ts";
import { requireWrk, startServer, table, wrk } from "./lib.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "15" },
    warm: { type: "string", default: "5" },
    rounds: { type: "string", default: "3" },
    connections: { type: "string", default: "1" },
    image: { type: "string", default: "hotfn-test/noop:latest" },
    pin: { type: "boolean", default: false },
  },
});
const SECONDS = Number(values.seconds);
const WARM = Number(values.warm);
const CONNECTIONS = Number(values.connections);
const cores = availableParallelism();
/** with --pin: wrk on the last core, the servers (every thread) on the others */
const PIN = values.pin && cores > 1 ? { wrk: ["taskset", "-c", String(cores - 1)], server: `0-${cores - 2}` } : { wrk: [], server: undefined };
const pin = (pid: number) => {
  if (PIN.server !== undefined) Bun.spawnSync(["taskset", "-a", "-p", "-c", PIN.server, String(pid)], { stdout: "ignore" });
};

requireWrk("bench/floor");
await ensureImages();

const LABEL = "hotfn.bench=floor";
const dir = mkdtempSync(join(tmpdir(), "hotfn-floor-"));
chmodSync(dir, 0o777); // the function runs as nobody and makes its socket here
const socket = join(dir, "lsnr.sock");

/** The no-op, started the way hotfn starts an http-stream function, minus hotfn. */
function startFunction(): string {
  const run = Bun.spawnSync([
    "docker", "run", "-d", "-i", "--rm", "--network", "none", "--user", "65534:65534", "--cap-drop", "ALL",
    "--read-only", "--label", LABEL, "-v", `${dir}:/tmp/iofs`,
    "-e", "FN_FORMAT=http-stream", "-e", "FN_LISTENER=unix:/tmp/iofs/lsnr.sock", values.image,
  ]);
  if (run.exitCode !== 0) throw new Error(`docker run failed: ${run.stderr.toString()}`);
  return run.stdout.toString().trim();
}

async function floorServer(args: string[]): Promise<{ url: string; stop(): Promise<void> }> {
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "floor-server.ts"), ...args], { stdout: "pipe", stderr: "inherit" });
  const reader = proc.stdout.getReader();
  let text = "";
  while (!/listening (\d+)/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`floor server exited: ${text}`);
    text += new TextDecoder().decode(value);
  }
  const port = /listening (\d+)/.exec(text)![1];
  pin(proc.pid);
  return { url: `http://127.0.0.1:${port}/`, stop: async () => void (proc.kill(), await proc.exited) };
}

async function measure(url: string) {
  await wrk(url, { connections: CONNECTIONS, seconds: WARM, prefix: PIN.wrk });
  return wrk(url, { connections: CONNECTIONS, seconds: SECONDS, prefix: PIN.wrk });
}

const ms = (n: number) => n.toFixed(2);
const rows: (string | number)[][] = [];
const fn = startFunction();
try {
  for (let i = 0; i < 100 && !existsSync(socket); i++) await Bun.sleep(50);
  if (!existsSync(socket)) throw new Error("the no-op function never opened its socket");
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const [what, args] of [["Bun server, answers itself", ["self"]], ["Bun server → unix socket → no-op", ["proxy", socket]]] as const) {
      const server = await floorServer([...args]);
      try {
        const r = await measure(server.url);
        rows.push([what, round, r.rps, ms(r.p50), ms(r.p90), ms(r.p99), r.errors]);
      } finally {
        await server.stop();
      }
    }
    const s = await startServer();
    pin(s.proc.pid);
    try {
      const created = await s.json("/v1/apps/bench/routes", { method: "POST", body: { route: { path: "/noop", image: values.image, format: "http-stream", memory: 64 } } });
      if (created.status !== 200) throw new Error(`route create: ${created.status}`);
      const r = await measure(`${s.url}/r/bench/noop`);
      rows.push(["hotfn, http-stream route", round, r.rps, ms(r.p50), ms(r.p90), ms(r.p99), r.errors]);
    } finally {
      await s.stop();
    }
  }
} finally {
  Bun.spawnSync(["docker", "rm", "-f", fn]);
  rmSync(dir, { recursive: true, force: true });
}

console.log(`\nwrk at ${CONNECTIONS} connection(s), ${SECONDS} s after ${WARM} s warm-up, ${values.image}${PIN.wrk.length ? `, wrk pinned to core ${cores - 1}` : ""}\n`);
console.log(table(["server", "round", "calls/s", "p50 ms", "p90 ms", "p99 ms", "errors"], rows));
