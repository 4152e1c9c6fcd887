/**
 * The shared runtime base image, `hotfn/runtime-bun:<bun version>`: a Bun runtime and the shared
 * libraries `ldd` lists for it, in an otherwise empty root, running as nobody. It is built once per
 * Bun version, from the runtime this process runs on — the hotfn executable itself (it carries Bun:
 * with BUN_BE_BUN=1 it is `bun`) or, from source, the `bun` binary — so no registry is needed.
 * Every function image is a small layer on top of it.
 * @module
 */
import { stat } from "node:fs/promises";
import type { ImageBuilder, ImageInfo } from "../docker/image-builder.ts";
import { HotfnError } from "../errors.ts";
import { formatBytes, type Progress } from "./progress.ts";
import { type TarEntry, tarStream } from "../docker/tar.ts";

export const BASE_REPO = "hotfn/runtime-bun";
/** Where the runtime sits in every function image. */
export const RUNTIME_IN_IMAGE = "/usr/local/bin/bun";
/** The user functions run as: nobody. hotfn's runner may impose another; neither is root. */
export const FUNCTION_USER = "65534:65534";

/** The base's tag for the Bun this process runs on. */
export function baseTag(bunVersion = Bun.version): string {
  return `${BASE_REPO}:${bunVersion}`;
}

export interface RuntimeBaseOptions {
  /** the executable that becomes the image's `bun` (process.execPath by default) */
  runtimePath?: string;
  /** the image's name (baseTag() by default; benchmarks build theirs apart) */
  tag?: string;
  /** build it without the engine's cache (benchmarks) */
  noCache?: boolean;
}

/** Resolves with the base image, building it first when the engine has none by its name. */
export async function ensureRuntimeBase(builder: ImageBuilder, progress: Progress, options: RuntimeBaseOptions = {}): Promise<ImageInfo & { tag: string }> {
  const { runtimePath = process.execPath, tag = baseTag(), noCache } = options;
  const present = await builder.inspect(tag);
  if (present) {
    progress.done(`present, ${formatBytes(present.size)}`);
    return { ...present, tag };
  }
  const libs = await sharedLibraries(runtimePath);
  progress.detail(`from ${runtimePath} (${formatBytes((await stat(runtimePath)).size)}) and ${libs.length} shared libraries`);
  const file = async (source: string, path: string): Promise<TarEntry> => ({ type: "file", path, source, mode: (await stat(source)).mode & 0o777 });
  const entries: TarEntry[] = [
    { type: "file", path: "Dockerfile", mode: 0o644, data: baseDockerfile() },
    { type: "dir", path: "rootfs", mode: 0o755 },
    // Any user may write /tmp, and a tmpfs mounted there takes this mode.
    { type: "dir", path: "rootfs/tmp", mode: 0o1777 },
    // Programs that look their user up (os.userInfo) find one.
    { type: "file", path: "rootfs/etc/passwd", mode: 0o644, data: "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/tmp:/sbin/nologin\n" },
    { type: "file", path: "rootfs/etc/group", mode: 0o644, data: "root:x:0:\nnogroup:x:65534:\n" },
    await file(runtimePath, `rootfs${RUNTIME_IN_IMAGE}`),
    ...(await Promise.all(libs.map((lib) => file(lib, `rootfs${lib}`)))),
  ];
  await builder.build({ tar: tarStream(entries) }, { tag, noCache, labels: { "hotfn.runtime": "bun", "hotfn.runtime.version": Bun.version } });
  const built = await builder.inspect(tag);
  if (!built) throw new HotfnError("internal", `the engine built ${tag} but does not show it`);
  progress.done(`built ${tag}, ${formatBytes(built.size)}`);
  return { ...built, tag };
}

/**
 * The base: the files staged under rootfs/, and settings that let a function run with a read-only
 * root filesystem and only /tmp writable: HOME is /tmp and Bun's transpiler cache is off.
 */
function baseDockerfile(): string {
  return [
    "FROM scratch",
    "COPY rootfs/ /",
    "ENV BUN_BE_BUN=1 HOME=/tmp BUN_RUNTIME_TRANSPILER_CACHE_PATH=0 NODE_ENV=production",
    "WORKDIR /function",
    `USER ${FUNCTION_USER}`,
    `ENTRYPOINT ["${RUNTIME_IN_IMAGE}"]`,
    "",
  ].join("\n");
}

/** The absolute paths of the libraries `ldd` lists for `exe`; none for a static executable. */
export async function sharedLibraries(exe: string): Promise<string[]> {
  let proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  try {
    proc = Bun.spawn(["ldd", exe], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  } catch (err) {
    throw new HotfnError("internal", `cannot run ldd to find the libraries of ${exe} (install the libc-bin package): ${(err as Error).message}`, { cause: err });
  }
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) {
    if (/not a dynamic executable/.test(out + err)) return [];
    throw new HotfnError("internal", `ldd ${exe} failed (${code}): ${err.trim()}`);
  }
  return [...new Set(out.match(/\/\S+/g) ?? [])];
}
