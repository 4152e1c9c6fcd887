/**
 * Builds dist/hotfn-deno with `deno compile`: hotfn's source on Deno, as one executable, with the npm
 * packages it runs on (libSQL's native addon included) and nothing else.
 *
 * `deno compile` embeds the whole node_modules directory unless told otherwise — here the Bun and
 * Deno executables, TypeScript, Playwright and the rest of the dev tools, hundreds of MB, and
 * scanning them overflows its stack. So every package that hotfn's dependencies do not reach (by
 * `dependencies` and `optionalDependencies`, resolved as Node does) is passed as `--exclude`. Deno
 * also parses every embedded file as CommonJS to find its exports; bintrees' test data (2 MB of
 * numbers, prom-client's dependency through tdigest) overflows that parser's stack, so it goes too.
 *
 * The executable is Deno's `denort` runtime with the program appended. `deno compile` takes denort
 * from DENORT_BIN, else from Deno's cache, else downloads it from Deno's release site; the npm
 * package `deno` does not carry it (README "Deno").
 *
 *   bun scripts/deno-compile.ts [--out dist/hotfn-deno]      (or: npm run build:deno)
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const nodeModules = join(root, "node_modules");

/** Flags `deno task start` runs the source with; the executable keeps them. */
export const DENO_RUN_FLAGS = ["-A", "--v8-flags=--expose-gc"];

interface Manifest {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;

/** Where `name`, required from package directory `from`, resolves: the nearest node_modules up the tree. */
function resolvePackage(name: string, from: string): string | undefined {
  for (let dir = from; dir.startsWith(root); dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dir === root) break;
  }
  return undefined;
}

/** The package directories hotfn's `dependencies` reach at run time (absent optional ones skipped). */
export function runtimePackages(): Set<string> {
  const reached = new Set<string>();
  const visit = (dir: string) => {
    if (reached.has(dir)) return;
    reached.add(dir);
    const m = manifest(dir);
    for (const name of Object.keys({ ...m.dependencies, ...m.optionalDependencies })) {
      const found = resolvePackage(name, dir);
      if (found) visit(found);
    }
  };
  for (const name of Object.keys(manifest(root).dependencies ?? {})) {
    const found = resolvePackage(name, root);
    if (!found) throw new Error(`${name} is not installed: run npm ci first`);
    visit(found);
  }
  reached.delete(root);
  return reached;
}

/** Every installed package directory (top level, scoped and nested) and every `.bin` of links, as paths. */
function installedPackages(dir = nodeModules, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    // The links to executables would bring the executables back in.
    if (entry.name === ".bin") out.push(path);
    if (entry.name.startsWith(".")) continue;
    if (entry.name.startsWith("@")) {
      installedPackages(path, out);
      continue;
    }
    if (!existsSync(join(path, "package.json"))) continue;
    out.push(path);
    installedPackages(join(path, "node_modules"), out);
  }
  return out;
}

/** node_modules directories elsewhere in the repository (a test image's), which Deno would embed too. */
function otherNodeModules(dir = root, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.name === "node_modules") {
      if (path !== nodeModules) out.push(path);
    } else otherNodeModules(path, out);
  }
  return out;
}

/** `--exclude` arguments: every installed package hotfn does not run on, and what else Deno would embed. */
export function excludes(): string[] {
  const keep = runtimePackages();
  const dropped = installedPackages().filter((p) => !keep.has(p));
  const data = [join(nodeModules, "bintrees/test")];
  return [...dropped, ...otherNodeModules(), ...data].map((p) => relative(root, p)).flatMap((p) => ["--exclude", p]);
}

export function compileArgs(out: string): string[] {
  // A worker's module is not followed from `new Worker(url)`: it is named to be embedded.
  return ["compile", ...DENO_RUN_FLAGS, "--no-check", "--config", "deno.json", ...excludes(), "--include", "src/store/recorder-thread.ts", "--output", out, "src/main.ts"];
}

/** Runs `deno ARGS` in the repository, output passed through; resolves with its exit code. */
async function runDeno(args: string[]): Promise<number> {
  const deno = join(nodeModules, ".bin/deno");
  // Run by `deno task compile`: Deno's node:child_process rewrites a spawn of its own executable
  // into `deno run` (for programs that spawn "node"), so Deno's own API runs it there.
  const self = (globalThis as { Deno?: { Command: new (cmd: string, o: object) => { output(): Promise<{ code: number }> } } }).Deno;
  if (self) return (await new self.Command(deno, { args, cwd: root, stdout: "inherit", stderr: "inherit" }).output()).code;
  return spawnSync(deno, args, { cwd: root, stdio: "inherit" }).status ?? 1;
}

if (import.meta.main) {
  const i = process.argv.indexOf("--out");
  const out = i > 0 ? process.argv[i + 1]! : "dist/hotfn-deno";
  const code = await runDeno(compileArgs(out));
  if (code !== 0) {
    console.error(`deno compile failed (exit ${code}); without network access it needs DENORT_BIN (see README "Deno")`);
    process.exit(code);
  }
  console.log(`built ${out}`);
}
