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
  };
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
