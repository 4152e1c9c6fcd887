/**
 * hotfn on Deno, beyond the HTTP-level suites that `npm run test:deno` runs against a Deno server:
 * what stays Bun's (building functions), and the `deno compile` executable, which — like dist/hotfn
 * in binary.test.ts — starts alone in an empty directory, serves the API and the dashboard, runs a
 * function and keeps its data in ./data/hotfn.db.
 *
 * `deno compile` needs Deno's `denort` runtime, which the npm package does not carry: it comes from
 * DENORT_BIN, Deno's cache, or Deno's release site. Without any of them the executable's tests are
 * skipped, saying so (README "Deno").
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { lookup } from "node:dns/promises";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { freshExecutableCopy } from "./helpers/executable.ts";
import { ensureImages, FN_IMAGE } from "./helpers/images.ts";
import { sourceCommand, startServer } from "./helpers/server.ts";

const ROOT = join(import.meta.dir, "..");
const DENO = join(ROOT, "node_modules/.bin/deno");
const DIST = join(ROOT, "dist/hotfn-deno");
const DENO_VERSION = (require("../node_modules/deno/package.json") as { version: string }).version;

/** Why `deno compile` cannot make an executable here, or undefined when it can. */
async function noDenort(): Promise<string | undefined> {
  const bin = process.env.DENORT_BIN;
  if (bin) return existsSync(bin) ? undefined : `DENORT_BIN=${bin} is not a file`;
  const denoDir = process.env.DENO_DIR ?? join(homedir(), ".cache/deno");
  if (existsSync(join(denoDir, `dl/release/v${DENO_VERSION}/denort-x86_64-unknown-linux-gnu.zip`))) return undefined;
  try {
    await lookup("dl.deno.land");
    return undefined;
  } catch {
    return `no denort ${DENO_VERSION}: DENORT_BIN is unset, Deno's cache has none, and Deno's release site is out of reach`;
  }
}

const skipCompile = await noDenort();
if (skipCompile) console.warn(`test/deno.test.ts: the deno compile executable is not tested: ${skipCompile}`);

describe("hotfn on Deno", () => {
  it("runs from source with deno.json's settings: hotfn --version", () => {
    const r = Bun.spawnSync([...sourceCommand("deno"), "--version"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    expect(r.stderr.toString()).toBe("");
    expect(r.stdout.toString().trim()).toBe(`hotfn ${require("../package.json").version}`);
  });

  it("leaves building functions to Bun: hotfn build says so and exits 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hotfn-deno-build-"));
    try {
      const r = await runOnDeno(["build", dir]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("hotfn build and deploy run on Bun only");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The CLI on Deno, whatever HOTFN_TEST_RUNTIME says. */
async function runOnDeno(args: string[]) {
  const proc = Bun.spawn([...sourceCommand("deno"), ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

describe.skipIf(skipCompile !== undefined)("dist/hotfn-deno (deno compile)", () => {
  let dir: string;
  let bin: string;

  beforeAll(async () => {
    await ensureImages();
    ({ dir, bin } = freshExecutableCopy({ dist: DIST, build: [process.execPath, "scripts/deno-compile.ts"], inputs: ["deno.json", "scripts/deno-compile.ts"], tmpPrefix: "hotfn-deno-bin-" }));
  }, 300_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("prints its version from an empty directory", () => {
    expect(readdirSync(dir)).toEqual(["hotfn"]);
    const r = Bun.spawnSync([bin, "--version"], { cwd: dir, env: { PATH: "/usr/bin:/bin", HOME: dir } });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.toString().trim()).toBe(`hotfn ${require("../package.json").version}`);
  });

  it("starts there on its default database, serves the API and the dashboard, runs a function, keeps the data", async () => {
    const env = { DB_URL: "file:./data/hotfn.db", PATH: "/usr/bin:/bin", HOME: dir };
    const s = await startServer({ bin, cwd: dir, dir, env });
    try {
      const created = await s.json("/v1/apps/deno/routes", { method: "POST", body: { route: { path: "/echo", image: FN_IMAGE, format: "http-stream", memory: 64 } } });
      expect(created.status).toBe(200);
      const call = await s.fetch("/r/deno/echo", { method: "POST", body: "from the deno executable" });
      expect(call.status).toBe(200);
      expect(await call.text()).toContain("from the deno executable");
      const ui = await s.fetch("/ui");
      expect(ui.status).toBe(200);
      expect(await ui.text()).toContain("hotfn dashboard");
    } finally {
      expect(await s.stop()).toBe(0);
    }
    expect(existsSync(join(dir, "data/hotfn.db"))).toBe(true);

    const again = await startServer({ bin, cwd: dir, dir, env });
    try {
      expect((await again.json("/v1/apps/deno/routes/echo")).body.route.image).toBe(FN_IMAGE);
    } finally {
      await again.stop();
    }
  });
});
