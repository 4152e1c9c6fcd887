/**
 * The runner's vocabulary, shared by the pool (scheduling), the formats (talking to a container) and
 * its callers (the API, the async worker). Depends only on the domain model and errors.
 * @module
 */
import type { HotfnError } from "../errors.ts";
import type { App, CallLog, Route } from "../model.ts";

/** One call of a function, as the runner receives it. */
export interface Invocation {
  callId: string;
  app: App;
  route: Route;
  /** bound route params (`/users/:id` → { id }) */
  params: Record<string, string>;
  method: string;
  /** the full URL the caller used */
  url: string;
  /**
   * the caller's headers as sent, names as sent, hotfn's own tokens removed; the formats pass on
   * only what headers.ts `toFunction` allows
   */
  headers: [string, string][];
  body: Uint8Array;
  /** sync callers are served before async work when both wait for a container */
  priority: "sync" | "async";
  /**
   * Aborted when the caller goes away or hotfn stops; a call waiting for a container (or a start
   * slot) is then dropped. Read it only where a call waits: a sync call's is its request's, which
   * the server makes on first read, and every AbortSignal lengthens each garbage collection
   * (deadline.ts). On Bun a signal first read after the caller left is already aborted.
   */
  signal?: AbortSignal;
}

/**
 * What a function answered. `default` functions always answer 200 with their stdout. Every format
 * guarantees: `status` is 200–599; header names are HTTP tokens and values byte strings without
 * CR/LF/NUL (safe for `new Headers`); none of the headers that never cross (headers.ts `toCaller`); and
 * `body` is empty for 204, 205 and 304 — pass `null` as the Response body for those.
 */
export interface FunctionResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

/** Collects a call's stderr, keeping at most a configured number of bytes. */
export interface LogSink {
  write(chunk: Uint8Array): void;
  /** Nothing more will be written: the call's log is complete (call-log.ts says when). */
  close?(): void;
}

export type RunOutcome =
  | { status: "success"; response: FunctionResponse; log: CallLog; startedAt: Date; completedAt: Date }
  | { status: "error" | "timeout"; error: HotfnError; log: CallLog; startedAt: Date | null; completedAt: Date };

/**
 * A hot call's deadline, told to one listener without an AbortSignal (deadline.ts says why). A call
 * listens while it runs and stops listening when it ends.
 */
export interface CallDeadline {
  /** the timeout, once the deadline has passed */
  readonly expired: HotfnError | undefined;
  /**
   * Calls `fn` once when the deadline passes (at once if it has). One listener: a second `listen`
   * replaces the first, and `undefined` stops listening.
   */
  listen(fn: ((reason: HotfnError) => void) | undefined): void;
}

/**
 * A hot container that is ready for calls, one at a time (`http`, `json`, `http-stream`).
 * Implementations live in runner/formats/; the pool owns their lifecycle.
 */
export interface HotContainer {
  readonly id: string;
  /**
   * Runs one call. Resolves with the function's answer. Rejects with FunctionTimeout when the
   * deadline passes, FunctionFailed when the container broke framing, exited, was OOM-killed
   * or answered too much. After any rejection `healthy` is false and the pool destroys it.
   * Never called again before the previous call settled.
   */
  call(inv: Invocation, log: LogSink, deadline: CallDeadline): Promise<FunctionResponse>;
  readonly healthy: boolean;
  /** Settles when the container has exited for any reason (killed, crashed, OOM). */
  readonly exited: Promise<void>;
  /** how its start went, step by step */
  readonly startSteps: StartSteps;
  /** Kills and removes the container and whatever it owns on the host. Idempotent; never rejects. */
  destroy(): Promise<void>;
}

/** How long each step of a container's start took, ms: what a cold start is made of. */
export interface StartSteps {
  /** the image made present (inspect, a pull when one is due) and the container created */
  create: number;
  /** stdio attached */
  attach: number;
  /** Docker's start: namespaces, cgroups, mounts, the process */
  start: number;
  /** from started to ready for calls (http-stream: the socket open); 0 for formats without a handshake */
  ready?: number;
}

/** Starts containers for a function; knows the formats and the Docker engine, not the scheduling. */
export interface Launcher {
  /**
   * Starts a hot container for `route`'s function and resolves once it is ready to take a call.
   * Rejects with FunctionFailed (image missing or not allowed, exited during start, bad socket link),
   * FunctionTimeout (not ready within the ready timeout) or Unavailable (no Docker engine). Aborting `signal` destroys
   * what it started. `onStarted` is called once Docker's part is over (started or failed), before
   * the function is ready, so the caller can release its start slot early.
   */
  startHot(app: App, route: Route, signal: AbortSignal, onStarted?: () => void): Promise<HotContainer>;
  /**
   * Runs one call in a fresh container (`default` format): body on stdin then EOF, stdout is the
   * answer, the container is removed afterwards. Rejects like HotContainer.call. `onStarted` is called
   * once the container has started (or failed to), so the caller can release its start slot.
   */
  runCold(inv: Invocation, log: LogSink, signal: AbortSignal, onStarted?: (steps?: StartSteps) => void): Promise<FunctionResponse>;
}

/** The runner as its callers see it: the sync API path and the async workers. */
export interface Runner {
  /**
   * Runs one call to completion on a container of its function, choosing between waiting for a hot
   * container and launching one. Resolves with the outcome for function-level results (success,
   * function error, timeout); rejects only with Busy (no memory within the wait bound), Unavailable
   * (no Docker engine) or when `inv.signal` aborts before the call started.
   */
  run(inv: Invocation): Promise<RunOutcome>;
  /** Retires the containers of an app's functions (of one route when `path` is given); in-flight calls finish first. */
  retire(appName: string, path?: string): void;
  /** Destroys every container, after in-flight calls finish or `graceMs` passes. */
  stop(graceMs: number): Promise<void>;
}
