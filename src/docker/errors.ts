/**
 * Translates what the Docker API client throws into hotfn's errors: an engine that cannot be reached
 * is `Unavailable`; the HTTP status of an engine answer is kept for the callers that branch on it.
 * @module
 */
import { FunctionFailed, HotfnError, Unavailable } from "../errors.ts";

/** Socket-level failures that mean "no engine answers here". */
const UNREACHABLE = new Set(["ENOENT", "ECONNREFUSED", "ECONNRESET", "EACCES", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND", "FailedToOpenSocket", "ConnectionRefused"]);

/** The HTTP status of a Docker engine answer carried by `err`, if any. */
export function engineStatus(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

export function isNotFound(err: unknown): boolean {
  return engineStatus(err) === 404;
}

/** The engine's own message, without dockerode's "(HTTP code 404) no such container - " prefix. */
export function engineMessage(err: unknown): string {
  const json = (err as { json?: { message?: unknown } } | null)?.json;
  if (json && typeof json.message === "string") return json.message.trim();
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/^\(HTTP code \d+\)[^-]*- /, "").trim();
}

/**
 * Rethrows `err` as a HotfnError: unreachable engine or engine-side failure (5xx) → Unavailable;
 * the engine refusing what it was asked (4xx: a bad reference, settings too large) → FunctionFailed,
 * as the route is what needs fixing; anything else → an internal error naming the operation. HotfnErrors pass through unchanged. The
 * engine's own words stay in the cause (the log), not in a message a caller may read: they can name
 * registries, DNS servers and host paths.
 */
export function toEngineError(err: unknown, what: string, dockerHost: string): HotfnError {
  if (err instanceof HotfnError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && UNREACHABLE.has(code)) {
    return new Unavailable(`the Docker engine at ${dockerHost} is not available (${what}: ${code})`, { cause: err });
  }
  const status = engineStatus(err);
  if (status !== undefined && status >= 500) {
    return new Unavailable(`the Docker engine failed to ${what}`, { cause: err });
  }
  if (status === 431 || status === 413) {
    return new FunctionFailed(`the Docker engine refused to ${what}: its settings are too large (${status}); make the app's and route's config smaller`, { cause: err });
  }
  if (status !== undefined && status >= 400) {
    return new FunctionFailed(`the Docker engine refused to ${what} (${status}); check the route's image and config (hotfn's log has the engine's answer)`, { cause: err });
  }
  return new HotfnError("internal", `Docker ${what} failed: ${engineMessage(err)}`, { cause: err });
}

/**
 * A container could not start because the network namespace holder it joined is gone (an engine
 * restart stopped it). A 503 if it reaches a caller; launch() creates the container again instead,
 * in a namespace of its own.
 */
export class HolderGone extends Unavailable {
  constructor(options?: { cause?: unknown }) {
    super("the Docker engine could not start a container: its network namespace holder is gone", options);
    this.name = "HolderGone";
  }
}
