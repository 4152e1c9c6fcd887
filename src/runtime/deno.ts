/**
 * The runtime seam on Deno: Deno.serve, and Node's http (over a unix socket), crypto, zlib and v8
 * modules (Deno's Node compatibility) where Deno has no API of its own that fits.
 * @module
 */
import { createHash } from "node:crypto";
import { Agent, type IncomingMessage, request as httpRequest } from "node:http";
import { getHeapStatistics } from "node:v8";
import { gzipSync } from "node:zlib";
import type { HeapFigures, HttpServer, Runtime, ServeEnv, ServeOptions, UnixHttpClient } from "./index.ts";
import { createUuidV7 } from "./uuid-v7.ts";

/** The few Deno calls hotfn makes (the seam's type, as docker/ lists dockerode's). */
interface DenoApi {
  version: { deno: string };
  args: string[];
  env: { toObject(): Record<string, string> };
  stdin: { readable: ReadableStream<Uint8Array>; isTerminal(): boolean };
  serve(
    options: { port: number; hostname: string; signal: AbortSignal; onListen(addr: { port: number }): void },
    handler: (request: Request) => Response | Promise<Response>,
  ): { addr: { port: number }; finished: Promise<void>; shutdown(): Promise<void> };
}

const deno = (): DenoApi => (globalThis as unknown as { Deno: DenoApi }).Deno;

export function denoRuntime(): Runtime {
  const d = deno();
  return {
    name: "deno",
    version: d.version.deno,
    args: [...d.args],
    env: d.env.toObject(),
    serve,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    randomUUIDv7: createUuidV7(),
    sha256Hex: (text) => createHash("sha256").update(text).digest("hex"),
    gzip: (data) => gzipSync(data),
    async readStdin() {
      if (d.stdin.isTerminal()) return undefined;
      return new Uint8Array(await new Response(d.stdin.readable).arrayBuffer());
    },
    unixHttpClient,
    heapAfterCollection,
    // Bun's tuning is of its allocator (mimalloc); Deno's has nothing measured to tune.
    tuneForServing: () => {},
  };
}

/**
 * Deno.serve has neither a body size limit nor a connection idle timeout: hotfn's own body limits
 * apply (api/app.ts), and HOTFN_CONN_IDLE_TIMEOUT does not (README "Deno"). With nothing to lift,
 * `keepOpen` does nothing.
 *
 * A graceful stop drains before it shuts down: Deno 2.9's `shutdown()` makes the body of every
 * request in flight unreadable at once (denoland/deno#36809), so a call still sending its body would
 * fail. While draining, the listener stays open and a new request gets 503 with `Connection: close`.
 */
async function serve(opts: ServeOptions): Promise<HttpServer> {
  const env: ServeEnv = { keepOpen() {} };
  const abort = new AbortController();
  let inFlight = 0;
  let draining = false;
  let drained: (() => void) | undefined;
  const server = deno().serve(
    // onListen given: Deno's own prints "Listening on ..." to stdout.
    { port: opts.port, hostname: opts.hostname, signal: abort.signal, onListen() {} },
    async (request) => {
      if (draining) return shuttingDown();
      inFlight++;
      try {
        return await opts.fetch(request, env);
      } finally {
        if (--inFlight === 0) drained?.();
      }
    },
  );
  return {
    port: server.addr.port,
    async stop(force) {
      draining = true;
      if (force) {
        drained?.();
        abort.abort();
      } else {
        if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
        if (!abort.signal.aborted) await server.shutdown();
      }
      await server.finished;
    },
  };
}

function shuttingDown(): Response {
  return Response.json(
    { error: { message: "hotfn is shutting down; try again" } },
    { status: 503, headers: { "Retry-After": "1", Connection: "close" } },
  );
}

/**
 * Node's http client over the socket, one connection kept alive between requests, as http-stream's
 * contract wants. Not Deno's fetch through `Deno.createHttpClient({ proxy: { transport: "unix" } })`:
 * that treats the socket as a proxy and sends the absolute-form target (`POST http://localhost/call`),
 * which Bun.serve, a common function server, answers with 400; and it adds Accept-Encoding and
 * Accept-Language headers of its own.
 */
function unixHttpClient(socketPath: string): UnixHttpClient {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return {
    fetch: (url, init) => unixFetch(agent, socketPath, url, init),
    close: () => agent.destroy(),
  };
}

/** Statuses whose answer has no body (a Response must not be given one). */
const NO_BODY = new Set([204, 205, 304]);

function unixFetch(agent: Agent, socketPath: string, url: string, init: RequestInit): Promise<Response> {
  const { pathname, search } = new URL(url);
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => (headers[name] = value));
  const body = init.body as Uint8Array | undefined;
  if (body !== undefined) headers["content-length"] = String(body.byteLength);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ socketPath, agent, method: init.method ?? "GET", path: pathname + search, headers }, (res) => {
      try {
        resolve(toResponse(res));
      } catch (err) {
        res.destroy();
        reject(err);
      }
    });
    const signal = init.signal;
    const onAbort = () => req.destroy(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    req.on("close", () => signal?.removeEventListener("abort", onAbort));
    req.on("error", reject);
    req.end(body);
  });
}

function toResponse(res: IncomingMessage): Response {
  const headers = new Headers();
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  const status = res.statusCode ?? 0;
  if (NO_BODY.has(status)) {
    res.resume();
    return new Response(null, { status, headers });
  }
  let open = true;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const finish = (err?: Error) => {
        if (!open) return;
        open = false;
        if (err) controller.error(err);
        else controller.close();
      };
      res.on("data", (chunk: Uint8Array) => open && controller.enqueue(new Uint8Array(chunk)));
      res.on("end", () => finish());
      res.on("error", (err) => finish(err));
      // A connection cut before the whole answer arrived.
      res.on("close", () => finish(res.complete ? undefined : new Error("the connection closed before the answer ended")));
    },
    cancel() {
      open = false;
      res.destroy();
    },
  });
  return new Response(body, { status, headers });
}

/** V8 counts no objects by type; a full collection needs `gc`, which `--v8-flags=--expose-gc` exposes. */
function heapAfterCollection(): HeapFigures {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const stats = getHeapStatistics();
  return {
    heapBytes: stats.used_heap_size,
    heapCapacityBytes: stats.total_heap_size,
    objects: 0,
    objectTypes: {},
    collected: gc !== undefined,
  };
}
