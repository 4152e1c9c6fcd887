/**
 * Assembles a running hotfn from a Config — store, Docker engine, runner, metrics, HTTP app — and
 * stops it in order. `main.ts` is the process entry; tests and benchmarks start hotfn through it.
 * @module
 */
import { createApp } from "./api/app.ts";
import type { Config } from "./config.ts";
import { createEngine } from "./docker/engine.ts";
import type { Logger } from "./log.ts";
import { createMetrics } from "./metrics/metrics.ts";
import { createAsyncQueue } from "./queue/async-queue.ts";
import { createAsyncWorkers } from "./queue/worker.ts";
import { createLauncher, type HotfnLauncher } from "./runner/launcher.ts";
import { createRunner, type RunnerStats } from "./runner/runner.ts";
import { openStore } from "./store/index.ts";

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish (within the grace), removes containers, closes the database. */
  stop(): Promise<void>;
}

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const instanceId = Bun.randomUUIDv7();
  const store = await openStore({ url: config.dbUrl, authToken: config.dbAuthToken, log });
  const engine = createEngine({ dockerHost: config.dockerHost, nodeId: config.nodeId, instanceId, log });
  const launcher = createLauncher({ engine, config, log, instanceId });
  await reconcile(engine, launcher, config, log);

  // Metrics read the runner's pools at scrape time, and the runner reports to metrics: bind late.
  let runnerStats: () => RunnerStats = () => ({ gate: { startsInFlight: 0, reservedMiB: 0, waiting: 0 }, pools: [] });
  const metrics = createMetrics(() => runnerStats());
  const runner = createRunner({
    launcher,
    log,
    observer: metrics.observer,
    mode: config.scaling,
    maxQueueWaitMs: config.maxQueueWaitMs,
    maxWaitMs: config.memoryWaitMs,
    maxConcurrentStarts: config.maxConcurrentStarts,
    maxMemoryMiB: config.maxMemoryMiB,
    callLogMax: config.callLogMax,
  });
  runnerStats = () => runner.stats();
  // A changed or deleted route (or app config) retires the containers built from the old definition;
  // a deleted one also takes its figures along (a call still finishing on it may add a few back).
  store.changes.on((c) => {
    if (c.kind !== "created") runner.retire(c.appName, c.path);
    if (c.kind === "deleted") void metrics.forget(c.appName, c.path);
  });

  const workers = createAsyncWorkers({ queue: store.queue, routeCache: store.routeCache, runner, config, log });
  const queue = createAsyncQueue({ queue: store.queue, maxQueued: config.maxQueued, onEnqueued: () => workers.notify() });
  await workers.start();
  const app = createApp({ config, log, store, runner, queue, metrics });
  const server = Bun.serve({
    port: config.port,
    hostname: config.host,
    fetch: app.fetch,
    maxRequestBodySize: Math.max(config.maxApiBody, config.maxRequestBody) + 1,
    // Bun counts a connection whose response is pending as busy, so a long sync call is not cut by
    // this (test/limits.test.ts holds it to that); idle and slow clients are.
    idleTimeout: config.connIdleTimeoutS,
  });
  const url = `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${server.port}`;
  log.info("listening", { url, port: server.port, db: redact(config.dbUrl), node: config.nodeId, instance: instanceId });

  return {
    url,
    port: server.port ?? config.port,
    async stop() {
      const until = Date.now() + config.shutdownGraceMs;
      const left = () => Math.max(0, until - Date.now());
      // Stop claiming async work at once, while in-flight HTTP calls finish; then the containers.
      await Promise.all([withGrace(server.stop(false), config.shutdownGraceMs, () => server.stop(true)), workers.stop(config.shutdownGraceMs)]);
      await runner.stop(left());
      const removed = await launcher.removeAll().catch(() => 0);
      if (removed > 0) log.info("containers removed", { removed });
      await store.close();
      log.info("stopped");
    },
  };
}

/** hotfn serves its API without Docker; calls then answer 503 until an engine answers. */
async function reconcile(engine: ReturnType<typeof createEngine>, launcher: HotfnLauncher, config: Config, log: Logger) {
  try {
    await engine.ping();
    const removed = await launcher.removeLeftovers();
    if (removed > 0) log.info("removed containers left by an earlier run", { removed, node: config.nodeId });
  } catch (err) {
    log.error(`no Docker engine answers at ${config.dockerHost}: function calls will answer 503 until one does`, { err });
  }
}

async function withGrace(work: Promise<unknown>, ms: number, onTimeout: () => unknown) {
  let timer: Timer | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      onTimeout();
      resolve();
    }, ms);
  });
  await Promise.race([work, timeout]);
  clearTimeout(timer);
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}
