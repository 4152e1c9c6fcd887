/**
 * The runtime seam on Bun, hotfn's primary runtime: Bun.serve, Bun's fetch over a unix socket, its
 * hasher, gzip and JavaScriptCore's heap figures.
 * @module
 */
import type { HeapFigures, HttpServer, Runtime, ServeEnv, ServeOptions, UnixHttpClient } from "./index.ts";

/** Loaded only when asked for: Deno cannot resolve a `bun:` import, so none may be static here. */
type Jsc = typeof import("bun:jsc");

export function bunRuntime(): Runtime {
  return {
    name: "bun",
    version: Bun.version,
    args: Bun.argv.slice(2),
    env: Bun.env,
    serve,
    sleep: (ms) => Bun.sleep(ms),
    randomUUIDv7: () => Bun.randomUUIDv7(),
    sha256Hex: (text) => new Bun.CryptoHasher("sha256").update(text).digest("hex"),
    gzip: (data) => Bun.gzipSync(data as Uint8Array<ArrayBuffer>),
    async readStdin() {
      if (process.stdin.isTTY) return undefined;
      return new Uint8Array(await Bun.stdin.arrayBuffer());
    },
    unixHttpClient,
    heapAfterCollection,
    tuneForServing,
  };
}

/**
 * Bun's allocator, mimalloc, hands freed memory back to the OS from a thread of its own
 * (mi-scavenger) that wakes several times a second and runs for milliseconds at a time. On a 2-core
 * machine that work on the other core put 20–25 stalls over 2 ms a second into hot calls at one
 * connection; with purging off, 11–17, and c=1 p99 fell from 3.4–4.1 to 2.2–3.1 ms, for 20–30 MB
 * more RSS that stays with the process for reuse (bench/README.md "Issue 10", item 7). mimalloc reads
 * its options once, at start, so the server starts again under them; an operator who sets
 * MIMALLOC_PURGE_DELAY (milliseconds before freed memory goes back) keeps that.
 */
const PURGE_DELAY = "MIMALLOC_PURGE_DELAY";

function tuneForServing(): void {
  if (process.env[PURGE_DELAY] !== undefined) return;
  // A compiled executable's argv[1] is its embedded entry ("/$bunfs/root/hotfn"), which it runs by
  // itself; `bun src/main.ts` needs its runtime flags and the script again.
  const compiled = Bun.main.startsWith("/$bunfs/");
  const args = compiled ? process.argv.slice(2) : [...process.execArgv, ...process.argv.slice(1)];
  try {
    process.execve?.(process.execPath, [process.execPath, ...args], { ...process.env, [PURGE_DELAY]: "-1" });
  } catch {
    // Serving with the allocator's defaults is slower in the tail, not wrong.
  }
}

async function serve(opts: ServeOptions): Promise<HttpServer> {
  let env: ServeEnv | undefined;
  const server = Bun.serve({
    port: opts.port,
    hostname: opts.hostname,
    fetch: (request) => opts.fetch(request, env!),
    maxRequestBodySize: opts.maxRequestBodySize,
    // Bun counts a connection whose response is pending as busy, so a long sync call is not cut by
    // this (test/limits.test.ts holds it to that); idle and slow clients are.
    idleTimeout: opts.idleTimeoutS,
  });
  // Bun took a connection whose request had no body (a GET, an empty POST) for idle as soon as it
  // was read and cut it at the timeout: every call that waited past it for a container failed.
  env = { keepOpen: (request) => server.timeout(request, 0) };
  return {
    port: server.port ?? opts.port,
    stop: (force) => server.stop(force),
  };
}

/** Bun's fetch speaks HTTP over a unix socket itself (`unix:`) and pools its connections per path. */
function unixHttpClient(socketPath: string): UnixHttpClient {
  return {
    fetch: (url, init) => fetch(url, { ...init, unix: socketPath }),
    close() {},
  };
}

function heapAfterCollection(): HeapFigures {
  Bun.gc(true);
  const { heapStats } = require("bun:jsc") as Jsc;
  const stats = heapStats();
  return {
    heapBytes: stats.heapSize,
    heapCapacityBytes: stats.heapCapacity,
    objects: stats.objectCount,
    objectTypes: stats.objectTypeCounts,
    collected: true,
  };
}
