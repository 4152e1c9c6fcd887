/**
 * The test function images (hotfn-test/*:latest), built locally by scripts/build-images.sh — no
 * registry. `ensureImages()` runs the script once per test process; it is quick when nothing changed.
 * What each image does: see the script's header and images/fn/modes.ts.
 */
import { join } from "node:path";

const ROOT = join(import.meta.dir, "../..");

/** Image names by behaviour. The Bun ones speak every format (FN_FORMAT picks the framing). */
export const IMAGES = {
  echo: "hotfn-test/echo:latest",
  sleep: "hotfn-test/sleep:latest",
  hog: "hotfn-test/hog:latest",
  crash: "hotfn-test/crash:latest",
  log: "hotfn-test/log:latest",
  count: "hotfn-test/count:latest",
  garbage: "hotfn-test/garbage:latest",
  /** busybox `cat`, default format only */
  bbEcho: "hotfn-test/bb-echo:latest",
} as const;

/** The one Bun program; route config `MODE` picks its behaviour (echo, sleep, hog, crash, log, count, garbage). */
export const FN_IMAGE = IMAGES.echo;

let built: Promise<void> | undefined;

/** Builds the images unless they are current; once per process. Rejects with the script's output. */
export function ensureImages(): Promise<void> {
  built ??= (async () => {
    const proc = Bun.spawn(["bash", join(ROOT, "scripts/build-images.sh")], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    if (code !== 0) throw new Error(`scripts/build-images.sh failed (${code}):\n${out}${err}`);
  })();
  return built;
}
