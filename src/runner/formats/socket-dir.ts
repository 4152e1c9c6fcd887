/**
 * The host side of an `http-stream` container's socket: the private directories hotfn keeps them in,
 * the per-container directory the function binds its socket in, waiting for that socket, and taking
 * it out of the function's reach once it is there.
 *
 * Why the socket is moved: the per-container directory is writable by the function, and hotfn
 * connects from the host, where a symlink resolves against the host's filesystem. A function that
 * repointed `lsnr.sock` (or replaced the file it links to) with a link to, say, the Docker socket
 * would have hotfn's calls land there. Once ready, the socket is renamed into hotfn's own directory
 * (0700, not mounted anywhere) and checked to be a socket there; every call connects to that path.
 * @module
 */
import { chmod, lstat, mkdir, mkdtemp, readlink, rename, rm } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { ExitState } from "../../docker/engine.ts";
import { FunctionFailed, FunctionTimeout, HotfnError } from "../../errors.ts";
import type { Route } from "../../model.ts";
import { abortError, exitError } from "./container.ts";
import { runtime } from "../../runtime/index.ts";

/** The socket's name inside the container's directory (FN_LISTENER). */
export const SOCKET = "lsnr.sock";
const POLL_MS = 5;
/** The longest unix socket path the kernel takes (sun_path is 108 bytes, NUL included). */
const MAX_SOCKET_PATH = 107;

/** The directory under the temp dir that holds every node's socket directories. */
export const IOFS_BASE = "hotfn-iofs";

/**
 * The directory name of a node's (or an instance's) sockets: hashed, so socket paths stay short
 * (sun_path holds 108 bytes) whatever the id's length.
 */
export function socketDirName(id: string): string {
  return runtime.sha256Hex(id).slice(0, 16);
}

/**
 * Makes every directory from `base` down to `root` exist, be a real directory (no symlink) owned by
 * this process's user and mode 0700 — no other user can reach the sockets below. Throws HotfnError
 * (internal) when a level belongs to someone else: /tmp is shared, and a planted directory or link
 * there must not be used.
 */
export async function ensurePrivateDirs(base: string, root: string): Promise<void> {
  // Another instance of the node removes the node's directory when it stops and it is empty
  // (launcher.ts removeAll): made again if it went between our steps.
  for (let attempt = 1; ; attempt++) {
    try {
      return await makePrivateDirs(base, root);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT" || attempt === 3) throw err;
    }
  }
}

async function makePrivateDirs(base: string, root: string): Promise<void> {
  const steps = relative(base, root).split(sep).filter((s) => s !== "");
  let path = base;
  for (const step of ["", ...steps]) {
    path = join(path, step);
    await mkdir(path, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "EEXIST") throw err;
    });
    const info = await lstat(path);
    const uid = process.getuid?.();
    if (!info.isDirectory() || (uid !== undefined && info.uid !== uid)) {
      throw new HotfnError("internal", `${path} is not a directory of this user; refusing to keep function sockets there`);
    }
    if ((info.mode & 0o777) !== 0o700) await chmod(path, 0o700);
  }
}

/** A fresh directory for one container's socket, writable by whatever user the function runs as. */
export async function createContainerDir(root: string): Promise<string> {
  const dir = await mkdtemp(join(root, "c-"));
  await chmod(dir, 0o777);
  return dir;
}

/** Where hotfn keeps the socket of the container whose directory is `dir` once it is ready. */
export function claimedPath(dir: string): string {
  return `${dir}.sock`;
}

/** Removes a container's directory and its claimed socket. Never rejects. */
export async function removeContainerDir(dir: string): Promise<void> {
  // force: true already ignores what is gone; what is left (a busy mount) the next start's
  // reconcile removes with the rest of an old instance's directory, so a failure here changes nothing.
  await Promise.all([rm(dir, { recursive: true, force: true }), rm(claimedPath(dir), { force: true })]).catch(() => {});
}

/**
 * Polls for the socket: a direct bind, or a relative symlink to a socket in the same directory.
 * Rejects with FunctionFailed on an exit or a bad link (502), with FunctionTimeout when it takes
 * longer than `timeoutMs` (504, as Fn answers a container whose initialization timed out), and the
 * abort's error when `signal` aborts.
 */
export async function waitForSocket(dir: string, timeoutMs: number, signal: AbortSignal, exit: () => ExitState | undefined, route: Route): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (signal.aborted) throw abortError(signal, route);
    const state = exit();
    if (state) throw exitError(state, route.memory, " before it opened its socket");
    if ((await socketFile(dir)) !== null) return;
    if (Date.now() >= until) throw new FunctionTimeout(`the function did not open its socket within ${timeoutMs} ms (HOTFN_READY_TIMEOUT), so its container was removed`);
    await runtime.sleep(POLL_MS);
  }
}

/**
 * Moves the ready socket out of the function's directory into hotfn's (`claimedPath(dir)`) and
 * returns that path, which the function can no longer change. Throws FunctionFailed when the socket
 * is gone or not a socket once moved (the function swapped it in the meantime).
 */
export async function claimSocket(dir: string): Promise<string> {
  const name = await socketFile(dir);
  if (name === null) throw new FunctionFailed("the function's socket disappeared before its first call");
  const claimed = claimedPath(dir);
  if (Buffer.byteLength(claimed) > MAX_SOCKET_PATH) {
    throw new HotfnError("internal", `socket path ${claimed} is longer than ${MAX_SOCKET_PATH} bytes; use a shorter temp directory`);
  }
  // rename() moves the directory entry itself: had the function swapped in a link just now, the
  // link is what moves, and lstat below refuses it. Nothing can change the entry after the move.
  await rename(join(dir, name), claimed);
  const info = await lstat(claimed);
  if (!info.isSocket()) throw new FunctionFailed(`the function replaced its socket with something that is not a socket`);
  return claimed;
}

/**
 * The name (in `dir`) of the socket the function bound, or null while there is none. `lsnr.sock` may
 * be the socket or a link to a sibling; a link leaving the directory, or to a non-socket, is a
 * FunctionFailed.
 */
async function socketFile(dir: string): Promise<string | null> {
  const path = join(dir, SOCKET);
  const info = await lstat(path).catch(() => null);
  if (info?.isSocket()) return SOCKET;
  if (!info?.isSymbolicLink()) return null;
  const target = await readlink(path);
  if (target.includes("/") || target === "." || target === "..") {
    throw new FunctionFailed(`the function's socket link points outside its directory (${target})`);
  }
  const linked = await lstat(join(dir, target)).catch(() => null);
  if (linked === null) return null;
  if (!linked.isSocket()) throw new FunctionFailed(`the function's socket link points to something that is not a socket (${target})`);
  return target;
}
