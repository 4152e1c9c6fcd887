/**
 * Runs the hotfn CLI as a person would — a real process (`bun src/main.ts ...`, or a built
 * executable; under HOTFN_TEST_RUNTIME=deno, the source on Deno) — and collects its exit code and output.
 */
import { join } from "node:path";
import { sourceCommand } from "./server.ts";

const ROOT = join(import.meta.dir, "../..");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** added to a minimal environment (PATH, HOME) */
  env?: Record<string, string>;
  /** piped to stdin; stdin is empty (not a terminal) otherwise */
  stdin?: string;
  cwd?: string;
  /** run this executable instead of hotfn's source */
  bin?: string;
}

export async function hotfn(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  const cmd = [...(opts.bin ? [opts.bin] : sourceCommand()), ...args];
  const proc = Bun.spawn(cmd, {
    cwd: opts.cwd ?? ROOT,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root", ...opts.env },
    stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** The ids of the images whose name starts with `prefix/` (the HOTFN_REGISTRY a test owns). */
export function imageIds(prefix: string): string[] {
  const ls = Bun.spawnSync(["docker", "images", "--no-trunc", "--format", "{{.ID}}", "--filter", `reference=${prefix}/*`]);
  return ls.stdout.toString().split("\n").filter(Boolean);
}

/**
 * Removes every image named `prefix/...`, and `earlier` ids: images a rebuild under the same tag
 * left untagged, which only their ids still name.
 */
export function removeImages(prefix: string, earlier: Iterable<string> = []): void {
  const ids = [...new Set([...imageIds(prefix), ...earlier])];
  if (ids.length > 0) Bun.spawnSync(["docker", "rmi", "-f", ...ids]);
}
