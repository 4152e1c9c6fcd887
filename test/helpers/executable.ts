/**
 * A compiled executable as a user would run it: built again when anything it is built from is newer
 * than it, then copied alone into an empty temporary directory.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "../..");

/** Newest modification time of src/ and of `inputs` (paths from the repository's root). */
function newestSource(inputs: string[]): number {
  const files = ["package.json", "package-lock.json", ...inputs].map((f) => join(ROOT, f));
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|tsx|js|json|css)$/.test(e.name)) files.push(p);
    }
  };
  walk(join(ROOT, "src"));
  return Math.max(...files.filter(existsSync).map((f) => statSync(f).mtimeMs));
}

/**
 * Runs `build` (in the repository) unless `dist` is newer than its sources and `inputs`, then copies
 * it as `hotfn` into a new temporary directory; returns that directory and the copy.
 */
export function freshExecutableCopy(o: { dist: string; build: string[]; inputs: string[]; tmpPrefix: string }): { dir: string; bin: string } {
  if (!existsSync(o.dist) || statSync(o.dist).mtimeMs < newestSource(o.inputs)) {
    const build = Bun.spawnSync(o.build, { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    if (build.exitCode !== 0) throw new Error(`${o.build.join(" ")} failed:\n${build.stdout}${build.stderr}`);
  }
  const dir = mkdtempSync(join(tmpdir(), o.tmpPrefix));
  const bin = join(dir, "hotfn");
  copyFileSync(o.dist, bin);
  Bun.spawnSync(["chmod", "755", bin]);
  return { dir, bin };
}
