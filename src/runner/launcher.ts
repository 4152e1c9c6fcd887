/**
 * The Launcher: starts containers for functions in their route's format over the Docker engine.
 * It knows formats and Docker, not scheduling — the pool decides when to call it. It also owns the
 * host-side directories of `http-stream` containers, and the clean-up at start and at shutdown.
 * @module
 */
import { readdir, rm, rmdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Engine } from "../docker/engine.ts";
import { FunctionFailed } from "../errors.ts";
import type { ImagePolicy } from "../image-policy.ts";
import type { Logger } from "../log.ts";
import type { Route } from "../model.ts";
import { runDefault } from "./formats/default.ts";
import { httpFraming } from "./formats/http.ts";
import { startStreamHot, type StreamDeps } from "./formats/http-stream.ts";
import { jsonFraming } from "./formats/json.ts";
import { startStdioHot } from "./formats/stdio-hot.ts";
import type { Launcher } from "./types.ts";
import { IOFS_BASE, socketDirName } from "./formats/socket-dir.ts";

export interface LauncherOptions {
  engine: Engine;
  /** this node's name (HOTFN_NODE); its socket directories are named after it */
  nodeId: string;
  /** largest answer a function may give, bytes (HOTFN_MAX_RESPONSE_BODY) */
  maxResponseBody: number;
  /** which images may run (HOTFN_ALLOWED_IMAGES), checked again at every start: a route written before the list changed */
  images: ImagePolicy;
  log: Logger;
  /** this process's lifetime; its containers and socket directories are labelled/named with it */
  instanceId: string;
  /**
   * how long Docker may take to create (pulling a missing image included), attach and start a
   * container, in every format; past it the start fails with Unavailable (default 60 s)
   */
  startTimeoutMs?: number;
  /** how long a started `http-stream` container may take to open its socket (HOTFN_READY_TIMEOUT; default 10 s) */
  readyTimeoutMs?: number;
  /** where `http-stream` socket directories go (default: the OS temp dir) */
  tmpDir?: string;
}

export interface HotfnLauncher extends Launcher {
  /**
   * Start-up reconcile: removes this node's containers and socket dirs left by other instances
   * (not those of one whose process still runs on this machine); returns how many containers.
   */
  removeLeftovers(): Promise<number>;
  /** Shutdown: removes every container and socket dir of this instance. */
  removeAll(): Promise<number>;
}

export function createLauncher(opts: LauncherOptions): HotfnLauncher {
  const { engine, instanceId, images } = opts;
  const log = opts.log.child({ component: "launcher" });
  const iofsBase = join(opts.tmpDir ?? tmpdir(), IOFS_BASE);
  const nodeDir = join(iofsBase, socketDirName(opts.nodeId));
  const instanceDir = socketDirName(instanceId);
  const deps: StreamDeps = {
    engine,
    log,
    maxResponseBody: opts.maxResponseBody,
    startTimeoutMs: opts.startTimeoutMs ?? 60_000,
    iofsBase,
    iofsRoot: join(nodeDir, instanceDir),
    readyTimeoutMs: opts.readyTimeoutMs ?? 10_000,
  };
  const refused = (route: Route) =>
    images.allows(route.image) ? undefined : new FunctionFailed(`image ${route.image} is not allowed on this node (HOTFN_ALLOWED_IMAGES); update the route`);

  return {
    async startHot(app, route, signal, onStarted) {
      const refusal = refused(route);
      if (refusal) throw refusal;
      switch (route.format) {
        case "http":
          return startStdioHot(deps, httpFraming, app, route, signal, onStarted);
        case "json":
          return startStdioHot(deps, jsonFraming, app, route, signal, onStarted);
        case "http-stream":
          return startStreamHot(deps, app, route, signal, onStarted);
        default:
          throw new FunctionFailed(`format ${route.format} has no hot containers`);
      }
    },

    async runCold(inv, log, signal, onStarted) {
      const refusal = refused(inv.route);
      if (refusal) throw refusal;
      return runDefault(deps, inv, log, signal, onStarted);
    },

    async removeLeftovers() {
      const { removed, running } = await engine.removeLeftovers(opts.nodeId, instanceId);
      if (running.length > 0) {
        log.warn(`another hotfn process on this machine runs as node ${opts.nodeId} (HOTFN_NODE), with a database of its own: its containers are left alone; give each process a node name of its own`, { instances: running });
      }
      // No directory yet is the usual case (a first start on this machine); nothing to remove then.
      const keep = new Set([instanceDir, ...running.map(socketDirName)]);
      const dirs = await readdir(nodeDir).catch(() => [] as string[]);
      await Promise.all(dirs.filter((d) => !keep.has(d)).map((d) => rm(join(nodeDir, d), { recursive: true, force: true })));
      if (removed > 0) log.info("removed leftover containers", { count: removed });
      return removed;
    },

    async removeAll() {
      const removed = await engine.removeAllOf(instanceId);
      await rm(deps.iofsRoot, { recursive: true, force: true });
      // The node's directory too, once no other instance of the node keeps one in it: each test
      // server is a node of its own, and their empty directories piled up in the temp dir.
      await rmdir(nodeDir).catch(() => {});
      return removed;
    },
  };
}
