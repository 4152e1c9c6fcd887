/**
 * Assembles a running hotfn from a Config — store, Docker engine, runner, metrics, HTTP app — and
 * stops it in order. `main.ts` is the process entry; tests and benchmarks start hotfn through it.
 * @module
 */
import { createApp } from "./api/app.ts";
import { type Config, isLoopback, VERSION } from "./config.ts";
import { createEngine } from "./docker/engine.ts";
import { createImagePolicy } from "./image-policy.ts";
import type { Logger } from "./log.ts";
import { createMetrics } from "./metrics/metrics.ts";
import { createTimeline } from "./metrics/timeline.ts";
import { createAsyncQueue } from "./queue/async-queue.ts";
import { createClaims } from "./queue/claims.ts";
import { createAsyncWorkers, leaseOwner } from "./queue/worker.ts";
import { createLauncher, type HotfnLauncher } from "./runner/launcher.ts";
import { createRunner } from "./runner/runner.ts";
import { createNodeHeartbeat } from "./store/heartbeat.ts";
import { runtime } from "./runtime/index.ts";
import { openStore } from "./store/index.ts";
import { createPruner } from "./store/retention.ts";

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish (within the grace), removes containers, closes the database. */
  stop(): Promise<void>;
}

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const instanceId = runtime.randomUUIDv7();
  warnOfOpenDoors(config, log);
  const store = await openStore({
    url: config.dbUrl,
    authToken: config.dbAuthToken,
    maxAttempts: config.asyncMaxAttempts,
    // relative to this module, which a compiled executable bundles at its entry point's place
    recorderThread: new URL("./store/recorder-thread.ts", import.meta.url).href,
    log,
  });
  // The node name must be this process's alone before anything is done in it: the reconcile below
  // removes every container of the node that another process started.
  const heartbeat = createNodeHeartbeat({
    nodes: store.nodes,
    node: config.nodeId,
    instance: instanceId,
    timeoutMs: config.nodeTimeoutMs,
    releaseClaimsOf: (node, instance) => store.queue.releaseOwnedBy(`${leaseOwner(node, instance)}#`),
    log,
  });
  await heartbeat.join().catch(async (err: unknown) => {
    await store.close();
    throw err;
  });
  heartbeat.start();
  const images = createImagePolicy(config.allowedImages);
  const engine = createEngine({
    dockerHost: config.dockerHost,
    nodeId: config.nodeId,
    instanceId,
    log,
    pull: config.pull,
    cpusPerGb: config.cpusPerGb,
    netnsSpare: config.netnsSpare,
  });
  const launcher = createLauncher({
    engine,
    nodeId: config.nodeId,
    maxResponseBody: config.maxResponseBody,
    images,
    readyTimeoutMs: config.readyTimeoutMs,
    log,
    instanceId,
  });
  await reconcile(engine, launcher, config, log);

  const runner = createRunner({
    launcher,
    log,
    mode: config.scaling,
    maxQueueWaitMs: config.maxQueueWaitMs,
    maxWaitMs: config.memoryWaitMs,
    maxConcurrentStarts: config.maxConcurrentStarts,
    maxMemoryMiB: config.maxMemoryMiB,
    callLogMax: config.callLogMax,
  });
  // The readers of what the runner observes: they read its stats and subscribe to its reports.
  const metrics = createMetrics(
    () => runner.stats(),
    () => engine.holderStats(),
  );
  const timeline = createTimeline({ runnerStats: () => runner.stats(), log });
  runner.observe(metrics.observer);
  runner.observe(timeline.observer);
  // A changed or deleted route (or app config) retires the containers built from the old definition;
  // a deleted one also takes its figures and its timeline along (a call still finishing on it may
  // add a few back).
  store.changes.on((c) => {
    if (c.kind !== "created") runner.retire(c.appName, c.path);
    if (c.kind !== "deleted") return;
    void metrics.forget(c.appName, c.path);
    timeline.forget(c.appName, c.path);
  });
  timeline.start();

  const claims = createClaims({ queue: store.queue, routeCache: store.routeCache, leaseMs: config.asyncLeaseMs });
  const workers = createAsyncWorkers({
    claims,
    releaseOwnedBy: (prefix, except) => store.queue.releaseOwnedBy(prefix, except),
    runner,
    workers: config.asyncWorkers,
    nodeId: config.nodeId,
    bootId: instanceId,
    log,
  });
  const queue = createAsyncQueue({ queue: store.queue, bounds: { calls: config.maxQueued, bytes: config.maxQueuedBytes }, onEnqueued: () => workers.notify() });
  await workers.start();
  const pruner = createPruner({ calls: store.calls, retentionMs: config.callRetentionMs, log });
  pruner.start();
  const app = createApp({
    version: VERSION,
    log,
    store,
    runner,
    queue,
    claims,
    metrics,
    timeline,
    tokens: { apiToken: config.apiToken, workerToken: config.workerToken, invokeToken: config.invokeToken },
    images,
    maxApiBody: config.maxApiBody,
    maxRequestBody: config.maxRequestBody,
    maxMemoryMiB: config.maxMemoryMiB,
    debugHeap: config.debugHeap,
  });
  const server = await runtime.serve({
    port: config.port,
    hostname: config.host,
    fetch: app.fetch,
    maxRequestBodySize: Math.max(config.maxApiBody, config.maxRequestBody) + 1,
    idleTimeoutS: config.connIdleTimeoutS,
  });
  const url = `http://${reachableHost(config.host)}:${server.port}`;
  log.info("listening", { url, port: server.port, db: redact(config.dbUrl), node: config.nodeId, instance: instanceId });

  return {
    url,
    port: server.port,
    async stop() {
      const until = Date.now() + config.shutdownGraceMs;
      const left = () => Math.max(0, until - Date.now());
      // Stop claiming async work at once, while in-flight HTTP calls finish; then the containers.
      await Promise.all([
        withGrace(server.stop(false), config.shutdownGraceMs, () => server.stop(true)),
        workers.stop(config.shutdownGraceMs),
        pruner.stop(),
      ]);
      timeline.stop();
      await runner.stop(left());
      // No new holder after this; removeAll then takes every container, holders included.
      await engine.close();
      const removed = await launcher.removeAll().catch((err: unknown) => {
        // Docker went away: the next start's reconcile removes what is left (they carry our labels).
        log.warn("containers not removed at shutdown; the next start removes them", { err });
        return 0;
      });
      if (removed > 0) log.info("containers removed", { removed });
      await heartbeat.stop();
      await store.close();
      log.info("stopped");
    },
  };
}

/** Says at every start which doors are open to anyone who reaches hotfn. */
function warnOfOpenDoors(config: Config, log: Logger): void {
  if (config.apiToken === undefined && !isLoopback(config.host)) {
    log.warn(`HOTFN_INSECURE: listening on ${config.host} without an API token; anyone who reaches this port can run any image and read every app's config`);
  }
  if (config.apiToken === undefined) log.info("no API token (HOTFN_API_TOKEN): /v1 and /metrics are open to this host's users");
  if (config.workerToken === undefined && config.apiToken === undefined) log.info("no worker or API token: the /tasks door is closed");
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
  // Holders are made in the background (and again later should the engine be away now).
  engine.warmUp();
}

async function withGrace(work: Promise<unknown>, ms: number, onTimeout: () => unknown) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      onTimeout();
      resolve();
    }, ms);
  });
  await Promise.race([work, timeout]);
  clearTimeout(timer);
}

/** A host to reach the server by: loopback for the unspecified addresses, brackets for IPv6. */
function reachableHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}
