/**
 * bench/cold: the first call of a new function, end to end, against `docker create` + `docker start`
 * of the same image with the same isolation (the HostConfig hotfn gave its own container, read back
 * with inspect, with the network as Docker's own `none`), both over the engine's API, and what a
 * hotfn cold start is made of, step by step (the `hotfn_start_step_seconds` histogram). Rounds are
 * `--gap-ms` apart: a new function arriving at a server at rest, as a deploy's first call does.
 *
 *   bun bench/cold.ts            # --rounds 10 --gap-ms 1000 --image hotfn-test/noop:latest --formats http-stream,http,default
 */
import { parseArgs } from "node:util";
import { ensureImages } from "../test/helpers/images.ts";
import { containersOf, percentile, startServer, table, type TestServer } from "./lib.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "10" },
    "gap-ms": { type: "string", default: "1000" },
    image: { type: "string", default: "hotfn-test/noop:latest" },
    formats: { type: "string", default: "http-stream,http,default" },
    env: { type: "string", default: "" },
  },
});
const ROUNDS = Number(values.rounds);
const GAP_MS = Number(values["gap-ms"]);
const IMAGE = values.image;
const FORMATS = values.formats.split(",");
const EXTRA_ENV = Object.fromEntries(values.env.split(",").filter(Boolean).map((kv) => kv.split("=") as [string, string]));

const docker = (path: string, init: RequestInit = {}) => fetch(`http://docker${path}`, { ...init, unix: "/var/run/docker.sock" } as RequestInit);

/** create + start of a container with `config` (image, env, HostConfig as hotfn made them), then removal. */
async function dockerCreateStart(config: Record<string, unknown>): Promise<number> {
  const t0 = performance.now();
  const created = await docker("/containers/create", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(config) });
  const { Id } = (await created.json()) as { Id: string };
  const started = await docker(`/containers/${Id}/start`, { method: "POST" });
  if (started.status >= 300) throw new Error(`start: ${started.status} ${await started.text()}`);
  const ms = performance.now() - t0;
  await docker(`/containers/${Id}?force=1`, { method: "DELETE" });
  return ms;
}

/** Step sums and counts from /metrics, to subtract one reading from another. */
async function steps(s: TestServer): Promise<Record<string, { sum: number; count: number }>> {
  const text = await (await s.fetch("/metrics")).text();
  const out: Record<string, { sum: number; count: number }> = {};
  for (const m of text.matchAll(/^hotfn_start_step_seconds_(sum|count)\{step="(\w+)"\} ([\d.e+-]+)$/gm)) {
    const entry = (out[m[2]!] ??= { sum: 0, count: 0 });
    entry[m[1] as "sum" | "count"] = Number(m[3]);
  }
  return out;
}

await ensureImages();
const stats = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), max: sorted.at(-1)! };
};
const rows: (string | number)[][] = [];
const stepRows: (string | number)[][] = [];
const s = await startServer({ env: { HOTFN_ASYNC_WORKERS: "0", ...EXTRA_ENV } });
try {
  for (const format of FORMATS) {
    const first: number[] = [];
    const before = await steps(s);
    for (let i = 0; i < ROUNDS; i++) {
      await Bun.sleep(GAP_MS);
      const path = `/${format}-${i}`;
      await s.json("/v1/apps/cold/routes", { method: "POST", body: { route: { path, image: IMAGE, format, memory: 64 } } });
      const t0 = performance.now();
      const res = await s.fetch(`/r/cold${path}`, { method: "POST", body: "x" });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${format}: ${res.status}`);
      first.push(performance.now() - t0);
    }
    const after = await steps(s);
    const f = stats(first);
    rows.push([`hotfn, first call (${format})`, f.p50, f.max]);
    const perStep = Object.entries(after).map(([step, v]) => {
      const b = before[step] ?? { sum: 0, count: 0 };
      return [step, v.count - b.count > 0 ? ((v.sum - b.sum) / (v.count - b.count)) * 1000 : Number.NaN] as const;
    });
    stepRows.push([format, ...["create", "attach", "start", "ready"].map((st) => perStep.find(([k]) => k === st)?.[1] ?? Number.NaN)]);

    // The same isolation hotfn gave its container of this format, created and started over the API.
    const [id] = containersOf(s.node, `hotfn.route=/${format}-0`);
    if (id && format !== "default") {
      const info = JSON.parse(Bun.spawnSync(["docker", "inspect", id]).stdout.toString())[0];
      const { Binds: _, ...hostConfig } = info.HostConfig;
      hostConfig.NetworkMode = "none";
      const config = { Image: IMAGE, Env: info.Config.Env, User: info.Config.User, Labels: { "hotfn.bench": "1" }, HostConfig: hostConfig };
      const raw: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        await Bun.sleep(GAP_MS);
        raw.push(await dockerCreateStart(config));
      }
      const d = stats(raw);
      rows.push([`docker create + start, same HostConfig (${format})`, d.p50, d.max]);
    }
  }
} finally {
  await s.stop();
}
console.log(`image ${IMAGE}, ${ROUNDS} new functions per format`);
console.log(table(["what", "p50 ms", "max ms"], rows));
console.log();
console.log("a hotfn cold start, step by step (mean ms)");
console.log(table(["format", "create", "attach", "start", "ready"], stepRows));
