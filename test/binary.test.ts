/**
 * The single executable: `bun run build` writes dist/hotfn; a copy of it alone in an empty directory
 * (no node_modules anywhere above it, no NODE_PATH) starts, serves the API, writes its database to
 * ./data/hotfn.db of that directory — libSQL's native addon is inside —, serves the dashboard and its
 * embedded assets at /ui, and stops cleanly.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { freshExecutableCopy } from "./helpers/executable.ts";
import { environOf, threadNames } from "./helpers/proc.ts";
import { startServer } from "./helpers/server.ts";

const ROOT = join(import.meta.dir, "..");
const DIST = join(ROOT, "dist/hotfn");

let dir: string;
let bin: string;

beforeAll(async () => {
  ({ dir, bin } = freshExecutableCopy({ dist: DIST, build: [process.execPath, "run", "build"], inputs: ["scripts/build.ts"], tmpPrefix: "hotfn-bin-" }));
}, 120_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("dist/hotfn", () => {
  it("sits in a directory with nothing else and no node_modules above it", () => {
    expect(readdirSync(dir)).toEqual(["hotfn"]);
    for (let d = dir; ; d = dirname(d)) {
      expect(existsSync(join(d, "node_modules")), d).toBe(false);
      if (d === dirname(d)) break;
    }
  });

  it("prints its version and help from there", () => {
    const pkgVersion = require("../package.json").version as string;
    const version = Bun.spawnSync([bin, "--version"], { cwd: dir, env: { PATH: "/usr/bin:/bin" } });
    expect(version.exitCode).toBe(0);
    expect(version.stdout.toString().trim()).toBe(`hotfn ${pkgVersion}`);
    const help = Bun.spawnSync([bin, "--help"], { cwd: dir, env: { PATH: "/usr/bin:/bin" } });
    expect(help.exitCode).toBe(0);
    expect(help.stdout.toString()).toContain("DB_URL");
  });

  it("starts there on its default database, serves the API, and keeps the data in ./data/hotfn.db", async () => {
    // DB_URL is given its default value explicitly because the test helper sets a temp file otherwise.
    const s = await startServer({ bin, cwd: dir, dir, env: { DB_URL: "file:./data/hotfn.db", PATH: "/usr/bin:/bin", HOME: dir } });
    try {
      const created = await s.json("/v1/apps/from-binary/routes", { method: "POST", body: { route: { path: "/fn", image: "busybox" } } });
      expect(created.status).toBe(200);
      expect((await s.json("/v1/apps/from-binary/routes/fn")).body.route.path).toBe("/fn");
      expect((await s.json("/v1/swagger.json")).status).toBe(200);
      // It started again under its allocator setting (runtime/bun.ts tuneForServing), in this process.
      expect(environOf(s.proc.pid).MIMALLOC_PURGE_DELAY).toBe("-1");
      expect(threadNames(s.proc.pid)).not.toContain("mi-scavenger");
      // The dashboard and every asset it names are inside the binary.
      const ui = await s.fetch("/ui");
      expect(ui.status).toBe(200);
      const html = await ui.text();
      expect(html).toContain("hotfn dashboard");
      const assets = [...html.matchAll(/(?:href|src)="(\/ui\/assets\/[^"]+)"/g)].map((m) => m[1]!);
      const entry = assets.find((a) => a.endsWith("/app.ts"));
      expect(entry).toBeDefined();
      // uPlot is loaded by the chart module when a chart is first shown, from beside it.
      for (const a of [...assets, entry!.replace(/app\.ts$/, "uPlot.iife.min.js")]) {
        const res = await s.fetch(a);
        expect(res.status, a).toBe(200);
        expect((await res.text()).length, a).toBeGreaterThan(100);
      }
    } finally {
      expect(await s.stop()).toBe(0);
    }
    expect(existsSync(join(dir, "data/hotfn.db"))).toBe(true);

    // A second start on the same directory finds the data.
    const again = await startServer({ bin, cwd: dir, dir, env: { DB_URL: "file:./data/hotfn.db", PATH: "/usr/bin:/bin", HOME: dir } });
    try {
      expect((await again.json("/v1/apps/from-binary")).status).toBe(200);
    } finally {
      await again.stop();
    }
  });
});
