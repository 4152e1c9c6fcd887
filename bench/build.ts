/**
 * What `hotfn build` costs, against the obvious alternative: the shared runtime base (built once),
 * a function as a layer on it, and a function compiled on its own (`bun build --compile` plus the
 * libraries ldd lists, FROM scratch: ~100 MB for every version). Prints build times and sizes, and
 * what N versions of one function take on disk each way.
 *
 *   bun bench/build.ts                 # --versions 5
 *
 * Everything it builds is named hotfn-bench-<id>/... and removed at the end; the real base image
 * (hotfn/runtime-bun:<bun version>) is built if missing and kept, as `hotfn build` would.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildFunction } from "../src/build/build.ts";
import { initFunction } from "../src/build/init.ts";
import { createProgress, formatBytes, formatDuration } from "../src/build/progress.ts";
import { ensureRuntimeBase, sharedLibraries } from "../src/build/runtime-base.ts";
import { type TarEntry, tarStream } from "../src/docker/tar.ts";
import { createImageBuilder } from "../src/docker/image-builder.ts";

const { values } = parseArgs({ options: { versions: { type: "string", default: "5" } } });
const versions = Number(values.versions);
const ROOT = join(import.meta.dir, "..");
const PREFIX = `hotfn-bench-${crypto.randomUUID().slice(0, 8)}`;
const builder = createImageBuilder({ dockerHost: process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock" });
const quiet = createProgress({ total: 1, write: () => {}, quiet: true });
const work = mkdtempSync(join(tmpdir(), "hotfn-bench-build-"));
const rows: string[][] = [];
const row = (...cells: string[]) => rows.push(cells);
const sizeOf = async (ref: string) => (await builder.inspect(ref))?.size ?? Number.NaN;

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await work();
  return [out, performance.now() - t0];
}

try {
  // 1. The runtime base, from plain Bun and from the hotfn executable (what a user's hotfn uses).
  const runtimes: [string, string][] = [["bun (node_modules/bun)", process.execPath]];
  if (existsSync(join(ROOT, "dist/hotfn"))) runtimes.push(["hotfn (dist/hotfn)", join(ROOT, "dist/hotfn")]);
  for (const [i, [what, runtimePath]] of runtimes.entries()) {
    const tag = `${PREFIX}/runtime-bun:${i}`;
    const [base, ms] = await timed(() => ensureRuntimeBase(builder, quiet, { runtimePath, tag, noCache: true }));
    row(`runtime base from ${what}`, "once per Bun version", formatDuration(ms), formatBytes(base.size), `executable ${formatBytes(statSync(runtimePath).size)}`);
  }

  // 2. Functions as layers on the real base (built here first when missing).
  await ensureRuntimeBase(builder, quiet);
  for (const runtime of ["bun", "node-fdk"] as const) {
    const dir = join(work, `layer-${runtime}`);
    await initFunction(dir, { runtime, name: `layer-${runtime}` });
    const times: number[] = [];
    let own = 0;
    for (let v = 0; v < versions; v++) {
      const source = join(dir, runtime === "bun" ? "func.ts" : "func.js");
      writeFileSync(source, readFileSync(source, "utf8").replace(/Hello[^,]*,/, `Hello v${v},`));
      const [built, ms] = await timed(() => buildFunction(dir, { builder, bump: true, registry: PREFIX, write: () => {}, quiet: true }));
      // The first build of node-fdk also installs the FDK: timed apart.
      if (!(runtime === "node-fdk" && v === 0)) times.push(ms);
      own = built.ownSize;
    }
    const avg = times.reduce((a, b) => a + b, 0) / times.length;
    row(`function layer (${runtime} template)`, `each of ${versions} versions`, formatDuration(avg), `${formatBytes(own)} own`, `${versions} versions: base + ${formatBytes(own * versions)}`);
  }

  // 3. The same function compiled on its own, one image per version.
  const dir = join(work, "compiled");
  await initFunction(dir, { runtime: "bun", name: "compiled" });
  const times: number[] = [];
  let size = 0;
  for (let v = 0; v < versions; v++) {
    const source = join(dir, "func.ts");
    writeFileSync(source, readFileSync(source, "utf8").replace(/Hello[^,]*,/, `Hello v${v},`));
    const [, ms] = await timed(async () => {
      const outfile = join(work, `compiled-${v}`);
      const result = await Bun.build({ entrypoints: [source], compile: { outfile }, target: "bun" });
      if (!result.success) throw new Error(result.logs.join("\n"));
      const libs = await sharedLibraries(outfile);
      const entries: TarEntry[] = [
        { type: "file", path: "Dockerfile", mode: 0o644, data: 'FROM scratch\nCOPY rootfs/ /\nUSER 65534:65534\nENTRYPOINT ["/fn"]\n' },
        { type: "dir", path: "rootfs/tmp", mode: 0o1777 },
        { type: "file", path: "rootfs/fn", mode: 0o755, source: outfile },
        ...libs.map((lib): TarEntry => ({ type: "file", path: `rootfs${lib}`, mode: 0o755, source: lib })),
      ];
      await builder.build({ tar: tarStream(entries) }, { tag: `${PREFIX}/compiled:0.0.${v + 1}`, noCache: true });
    });
    times.push(ms);
    size = await sizeOf(`${PREFIX}/compiled:0.0.${v + 1}`);
  }
  const avg = times.reduce((a, b) => a + b, 0) / times.length;
  row("compiled per function (bun build --compile)", `each of ${versions} versions`, formatDuration(avg), formatBytes(size), `${versions} versions: ${formatBytes(size * versions)}`);

  const header = ["what", "built", "time", "size", "on disk"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  console.log([line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n"));
} finally {
  rmSync(work, { recursive: true, force: true });
  const ls = Bun.spawnSync(["docker", "images", "--format", "{{.Repository}}:{{.Tag}}", "--filter", `reference=${PREFIX}/*`]);
  const refs = ls.stdout.toString().split("\n").filter(Boolean);
  if (refs.length > 0) Bun.spawnSync(["docker", "rmi", "-f", ...refs]);
}
