/**
 * The one mapping from hotfn's errors to HTTP: status code, the v1 `{"error":{"message"}}` body,
 * `Retry-After` on every 503 (Busy, Unavailable). Our own faults become a 500 that is logged with its stack and hides internals.
 * @module
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { Busy, type ErrorCode, HotfnError, Invalid, Unavailable } from "../errors.ts";
import type { Logger } from "../log.ts";
import { storeUnavailable } from "../store/errors.ts";

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  invalid: 400,
  unsupported_media: 415,
  too_large: 413,
  busy: 503,
  unavailable: 503,
  function_timeout: 504,
  function_failed: 502,
  // nginx's "client closed request", which Fn also used: nobody reads it, but logs and metrics do
  caller_gone: 499 as ContentfulStatusCode,
  internal: 500,
};

export function errorBody(message: string, fields?: string) {
  return { error: fields === undefined ? { message } : { message, fields } };
}

/** Hono `onError`: every thrown error ends here. */
export function handleError(thrown: Error, c: Context, log: Logger): Response {
  // A database that cannot take a write now (a full disk, a read-only file) is a 503, not our bug.
  const fromStore = thrown instanceof HotfnError ? undefined : storeUnavailable(thrown);
  if (fromStore) log.warn(fromStore.message, { path: c.req.path, err: thrown });
  const err = fromStore ?? thrown;
  if (err instanceof HotfnError && err.code !== "internal") {
    const status = STATUS[err.code];
    if (status >= 500 && err.code !== "busy") log.warn(err.message, { code: err.code, status, path: c.req.path, err: err.cause ?? undefined });
    if (err.code === "caller_gone") log.info(err.message, { status, path: c.req.path });
    // Both 503s are passing states (a limit, an engine restarting): say when to come back.
    if (err instanceof Busy || err instanceof Unavailable) c.header("Retry-After", String(err.retryAfterSeconds));
    // RFC 6750 §3: a 401 names the scheme the client should use.
    if (err.code === "unauthorized") c.header("WWW-Authenticate", 'Bearer realm="hotfn"');
    return c.json(errorBody(err.message, err instanceof Invalid ? err.field : undefined), status);
  }
  // Our own fault (including a Docker failure we could not classify): logged whole, shown to nobody.
  log.error("internal error", { err, method: c.req.method, path: c.req.path });
  return c.json(errorBody("internal error"), 500);
}
