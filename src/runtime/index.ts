/**
 * The runtime seam: everything hotfn needs that Bun and Deno do differently — serving HTTP, the
 * command line and environment, stdin, timers, ids, hashing, compression, HTTP over a unix socket,
 * heap figures. Nothing outside src/runtime/ names `Bun` or `Deno` (src/build/ excepted: bundling a
 * function is Bun's job, see cli/functions.ts). Bun is the primary runtime and build; Deno runs the
 * same source (`deno task start`) and compiles it (`deno task compile`).
 * @module
 */
import { bunRuntime } from "./bun.ts";
import { denoRuntime } from "./deno.ts";

/** What a server's request handler gets beside the request (Hono's `c.env`). */
export interface ServeEnv {
  /**
   * Lifts the connection idle timeout for this request: its connection waits on a function, however
   * long the route lets it run. A runtime without such a timeout does nothing.
   */
  keepOpen(request: Request): void;
}

export interface ServeOptions {
  port: number;
  hostname: string;
  fetch(request: Request, env: ServeEnv): Response | Promise<Response>;
  /** bodies larger than this are refused by the runtime where it can (hotfn checks them itself too) */
  maxRequestBodySize: number;
  /** seconds a connection may sit idle, outside a call kept open; not every runtime can apply it */
  idleTimeoutS: number;
}

export interface HttpServer {
  /** the port it listens on (the one picked, for port 0) */
  readonly port: number;
  /** Stops accepting; `force` also cuts the requests in flight. Resolves when they are done. */
  stop(force: boolean): Promise<void>;
}

/** HTTP/1.1 over one unix socket, connections kept alive between requests. */
export interface UnixHttpClient {
  fetch(url: string, init: RequestInit): Promise<Response>;
  /** Drops its connections; later fetches fail. Idempotent. */
  close(): void;
}

/** The JS heap after a full collection (see metrics/memory.ts). */
export interface HeapFigures {
  heapBytes: number;
  heapCapacityBytes: number;
  /** live objects; 0 where the runtime does not count them */
  objects: number;
  /** counts by type, most first; empty where the runtime does not count them */
  objectTypes: Record<string, number>;
  /** false when no full collection could be forced (Deno without `--v8-flags=--expose-gc`) */
  collected: boolean;
}

export interface Runtime {
  readonly name: "bun" | "deno";
  /** the runtime's version, e.g. "1.4.5" */
  readonly version: string;
  /** command-line arguments after the program (`hotfn serve --port 1` → ["serve", "--port", "1"]) */
  readonly args: readonly string[];
  /** the environment at start */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Starts an HTTP server; resolves once it listens. */
  serve(opts: ServeOptions): Promise<HttpServer>;
  sleep(ms: number): Promise<void>;
  /** A UUIDv7 (RFC 9562): time-ordered, and increasing within this process, so ids sort by creation. */
  randomUUIDv7(): string;
  /** SHA-256 of UTF-8 text, lowercase hex. */
  sha256Hex(text: string): string;
  gzip(data: Uint8Array): Uint8Array;
  /** All of stdin, or undefined when stdin is a terminal. */
  readStdin(): Promise<Uint8Array | undefined>;
  unixHttpClient(socketPath: string): UnixHttpClient;
  /** Forces a full garbage collection (where it can) and measures the heap. Stalls the process. */
  heapAfterCollection(): HeapFigures;
  /**
   * Sets the process up to serve, before the server loads: on Bun this may replace the process with
   * itself (same pid, arguments and stdio) under a tuned environment, so code before it runs twice.
   * Does nothing where nothing needs tuning.
   */
  tuneForServing(): void;
}

function detect(): Runtime {
  if (typeof Bun !== "undefined") return bunRuntime();
  if ("Deno" in globalThis) return denoRuntime();
  throw new Error("hotfn runs on Bun or Deno");
}

/** The runtime this process runs on. Immutable: chosen once, when hotfn loads. */
export const runtime: Runtime = detect();
