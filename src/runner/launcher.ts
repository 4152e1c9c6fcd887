/**
 * The Launcher: starts containers for functions in their route's format over the Docker engine.
 * It knows formats and Docker, not scheduling — the pool decides when to call it. It also owns the
 * host-side directories of `http-stream` containers, and the clean-up at start and at shutdown.
 * @module
 */
import { rm, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Config } from "../config.ts";
import type { Engine } from "../docker/engine.ts";
import { FunctionFailed } from "../errors.ts";
import type { Logger } from "../log.ts";
import { runDefault } from "./formats/default.ts";
import { httpFraming } from "./formats/http.ts";
import { startStreamHot } from "./formats/http-stream.ts";
import { jsonFraming } from "./formats/json.ts";
import { startStdioHot } from "./formats/stdio-hot.ts";
import type { Launcher } from "./types.ts";

export interface LauncherOptions {
  engine: Engine;
  config: Pick<Config, "maxResponseBody" | "nodeId">;
  log: Logger;
  /** this process's lifetime; its containers and socket directories are labelled/named with it */
  instanceId: string;
  /** how long an `http-stream` container may take to open its socket (default 30 s) */
  hotStartTimeoutMs?: number;
  /** where `http-stream` socket directories go (default: the OS temp dir) */
  tmpDir?: string;
}

export interface HotfnLauncher extends Launcher {
  /** Start-up reconcile: removes this node's containers and socket dirs left by other instances. */
  removeLeftovers(): Promise<number>;
  /** Shutdown: removes every container and socket dir of this instance. */
  removeAll(): Promise<number>;
}

export function createLauncher(opts: LauncherOptions): HotfnLauncher {
  const { engine, config, instanceId } = opts;
  const log = opts.log.child({ component: "launcher" });
  const nodeDir = join(opts.tmpDir ?? tmpdir(), "hotfn-iofs", config.nodeId);
  const deps = {
    engine,
    log,
    maxResponseBody: config.maxResponseBody,
    iofsRoot: join(nodeDir, instanceId),
    startTimeoutMs: opts.hotStartTimeoutMs ?? 30_000,
  };

  return {
    startHot(app, route, signal) {
      switch (route.format) {
        case "http":
          return startStdioHot(deps, httpFraming, app, route, signal);
        case "json":
          return startStdioHot(deps, jsonFraming, app, route, signal);
        case "http-stream":
          return startStreamHot(deps, app, route, signal);
        default:
          return Promise.reject(new FunctionFailed(`format ${route.format} has no hot containers`));
      }
    },

    runCold(inv, log, signal, onStarted?: () => void) {
      return runDefault(deps, inv, log, signal, onStarted);
    },

    async removeLeftovers() {
      const removed = await engine.removeLeftovers(config.nodeId, instanceId);
      const dirs = await readdir(nodeDir).catch(() => [] as string[]);
      await Promise.all(dirs.filter((d) => d !== instanceId).map((d) => rm(join(nodeDir, d), { recursive: true, force: true })));
      if (removed > 0) log.info("removed leftover containers", { count: removed });
      return removed;
    },

    async removeAll() {
      const removed = await engine.removeAllOf(instanceId);
      await rm(deps.iofsRoot, { recursive: true, force: true });
      return removed;
    },
  };
}
