/**
 * The function's code as one file: its dependencies installed when they are missing (with the Bun
 * this process carries: no Node.js or npm needed), then the handler and only what it imports
 * bundled by `Bun.build` into func.js (with its source map, so stack traces in call logs name the
 * function's own files and lines).
 * @module
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { BuildFailed } from "../docker/image-builder.ts";
import type { Runtime } from "./func-yaml.ts";

/** The bundle's file name in the image (/function/func.js). */
export const BUNDLE = "func.js";

export interface Bundle {
  /** the file bundled from, relative to the function's directory */
  entry: string;
  /** file name → contents: func.js and its source map */
  files: Record<string, Uint8Array>;
  /** bytes of func.js */
  size: number;
}

/** The entry file: package.json's `main`, else the first of func.ts, func.js, index.ts, index.js. */
export async function findEntry(dir: string, runtime: Runtime): Promise<string> {
  const main = (await readPackageJson(dir))?.main;
  const candidates = [...(typeof main === "string" ? [main] : []), "func.ts", "func.js", "index.ts", "index.js"];
  const entry = candidates.find((c) => existsSync(join(dir, c)));
  if (entry === undefined) throw new BuildFailed(`${dir} has none of ${candidates.join(", ")}: nothing to build for runtime ${runtime}`);
  return entry;
}

/** True when package.json lists dependencies and node_modules is not there yet. */
export async function needsInstall(dir: string): Promise<boolean> {
  const deps = (await readPackageJson(dir))?.dependencies;
  return typeof deps === "object" && deps !== null && Object.keys(deps).length > 0 && !existsSync(join(dir, "node_modules"));
}

/**
 * `bun install --production` in `dir`, run by `runtime` (this executable, as Bun). Each output line
 * goes to `onLine`. Throws BuildFailed with the installer's last words when it fails.
 */
export async function installDependencies(dir: string, runtime: string, onLine: (line: string) => void): Promise<void> {
  const proc = Bun.spawn([runtime, "install", "--production"], {
    cwd: dir,
    // The environment passes through (proxy, registry settings); BUN_BE_BUN makes hotfn act as Bun.
    env: { ...process.env, BUN_BE_BUN: "1" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const lines: string[] = [];
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for (const line of (await new Response(stream).text()).split("\n")) {
      if (line.trim() === "") continue;
      lines.push(line);
      onLine(line);
    }
  };
  await Promise.all([collect(proc.stdout), collect(proc.stderr)]);
  const code = await proc.exited;
  if (code !== 0) throw new BuildFailed(`installing the dependencies of ${dir} failed (exit ${code}): ${lines.slice(-5).join(" / ")}`);
}

/** Bundles `entry` (relative to `dir`) for Bun. Throws BuildFailed with the bundler's messages. */
export async function bundleFunction(dir: string, entry: string): Promise<Bundle> {
  let result: Bun.BuildOutput;
  try {
    result = await Bun.build({ entrypoints: [join(dir, entry)], target: "bun", sourcemap: "linked", naming: "func.[ext]" });
  } catch (err) {
    // Bun.build throws an AggregateError of its messages when the code does not compile.
    throw new BuildFailed(`bundling ${entry} failed: ${messages(err, dir)}`, { cause: err });
  }
  if (!result.success) throw new BuildFailed(`bundling ${entry} failed: ${result.logs.map(String).join("; ")}`);
  const files: Record<string, Uint8Array> = {};
  for (const output of result.outputs) files[output.path.replace(/^\.\//, "")] = new Uint8Array(await output.arrayBuffer());
  const js = files[BUNDLE];
  if (js === undefined) throw new BuildFailed(`bundling ${entry} made no ${BUNDLE} (made ${Object.keys(files).join(", ")})`);
  return { entry, files, size: js.length };
}

/** The bundler's messages with where they point ("Unexpected ; (func.ts:3:24)"). */
function messages(err: unknown, dir: string): string {
  const all = err instanceof AggregateError ? err.errors : [err];
  return all
    .map((m: { message?: string; position?: { file: string; line: number; column: number } | null }) => {
      const at = m.position ? ` (${relative(dir, m.position.file)}:${m.position.line}:${m.position.column})` : "";
      return `${m.message ?? String(m)}${at}`;
    })
    .join("; ");
}

async function readPackageJson(dir: string): Promise<Record<string, unknown> | undefined> {
  const file = join(dir, "package.json");
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new BuildFailed(`${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}
