/**
 * The domain records hotfn keeps — apps, routes, calls — as plain types that depend on nothing.
 * The store persists them, the API validates them, the runner executes them.
 * @module
 */

export const ROUTE_TYPES = ["sync", "async"] as const;
export const ROUTE_FORMATS = ["default", "http", "json", "http-stream"] as const;
export const CALL_STATUSES = ["queued", "running", "success", "error", "timeout", "cancelled"] as const;

export type RouteType = (typeof ROUTE_TYPES)[number];
export type RouteFormat = (typeof ROUTE_FORMATS)[number];
export type CallStatus = (typeof CALL_STATUSES)[number];

export type StringMap = Record<string, string>;
/** Response headers a route adds; v1 clients send each as a list of values. */
export type HeaderMap = Record<string, string[]>;

export interface App {
  name: string;
  config: StringMap;
  createdAt: Date;
  updatedAt: Date;
}

export interface Route {
  appName: string;
  path: string;
  image: string;
  type: RouteType;
  format: RouteFormat;
  /** MiB; a hard cgroup limit, reserved before a container starts. */
  memory: number;
  /** seconds a run may take */
  timeout: number;
  /** seconds an idle hot container lives */
  idleTimeout: number;
  /**
   * who the function runs as: "" (default) the image's own non-root USER, else 65534 (nobody);
   * "root" or "0" opts out and runs it as root; otherwise a `user[:group]` of the image
   */
  user: string;
  headers: HeaderMap;
  config: StringMap;
  createdAt: Date;
  updatedAt: Date;
}

export const ROUTE_DEFAULTS = { type: "sync", format: "default", memory: 128, timeout: 30, idleTimeout: 30, user: "" } as const;

/** What a caller sent, kept with an async call so a worker can replay it. */
export interface CallRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  params: StringMap;
}

export interface Call {
  id: string;
  appName: string;
  path: string;
  status: CallStatus;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  /** why the call ended in error or timeout, for the caller; the function's own output is in the log */
  error: string | null;
  attempts: number;
}

/**
 * A call's log (its stderr) as the runner collected it. Read it as late as possible: a hot
 * container's stderr travels apart from its answer and may trail it by a few milliseconds.
 */
export interface CallLog {
  text(): string;
  /**
   * True once no more output can reach this log (its container's next call has begun, or the trail
   * is over): text() is final and a reader need not wait out CALL_LOG_TRAIL_MS.
   */
  readonly complete?: boolean;
}

/** An outcome whose log is read when it is written (CALL_LOG_TRAIL_MS after the run, at best). */
export type LoggedOutcome = Omit<CallOutcome, "log"> & { log: string | CallLog };

/**
 * How long a hot container's stderr may still reach a call's log after its answer (the formats
 * route it there for 100 ms): a CallLog read this long after the run ended is complete.
 */
export const CALL_LOG_TRAIL_MS = 120;

/** The terminal facts of a run, as recorded on its call. */
export interface CallOutcome {
  status: Extract<CallStatus, "success" | "error" | "timeout" | "cancelled">;
  startedAt: Date | null;
  completedAt: Date;
  error: string | null;
  log: string;
  /** the function's answer, kept for async calls so their result can be found */
  output?: Uint8Array | null;
}

/** A page of a list and the opaque cursor of the next one (null on the last page). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
