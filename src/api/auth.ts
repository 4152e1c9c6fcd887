/**
 * hotfn's three doors and their credentials: the API (`/v1`, `/metrics`), the worker door (`/tasks`)
 * and, optionally, invocation (`/r`). Each takes bearer tokens (`Authorization: Bearer <token>`, what
 * Fn's v1 clients send from FN_TOKEN), compared in constant time.
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { Unauthorized } from "../errors.ts";

export interface DoorTokens {
  /** HOTFN_API_TOKEN: /v1 and /metrics are open to anyone who reaches hotfn when unset */
  apiToken: string | undefined;
  /** HOTFN_WORKER_TOKEN: falls back to the API token; with neither, /tasks is closed to everyone */
  workerToken: string | undefined;
  /** HOTFN_INVOKE_TOKEN: /r is public when unset */
  invokeToken: string | undefined;
}

export interface Doors {
  api: MiddlewareHandler;
  worker: MiddlewareHandler;
  invoke: MiddlewareHandler;
  /** True when an Authorization header value carries one of hotfn's own tokens (not the function's business). */
  carriesHotfnToken(authorization: string): boolean;
}

export function createDoors({ apiToken, workerToken, invokeToken }: DoorTokens): Doors {
  const api = apiToken === undefined ? [] : [digest(apiToken)];
  const workerSecret = workerToken ?? apiToken;
  const worker = workerSecret === undefined ? [] : [digest(workerSecret)];
  const invoke = invokeToken === undefined ? [] : [digest(invokeToken)];
  const all = [...api, ...worker, ...invoke];
  return {
    api: apiToken === undefined ? open : guard(api),
    // No token, no door: the worker door hands out calls with their payload and config.
    worker: guard(worker),
    invoke: invokeToken === undefined ? open : guard(invoke),
    carriesHotfnToken: (authorization) => all.length > 0 && matchesAny(all, bearer(authorization)),
  };
}

const open: MiddlewareHandler = (_c, next) => next();

/** Accepts a request whose bearer token is one of `accepted` (digests); a closed door when empty. */
function guard(accepted: Buffer[]): MiddlewareHandler {
  return async (c, next) => {
    // The same work and the same answer whether the token is missing, malformed or wrong.
    if (!matchesAny(accepted, bearer(c.req.header("authorization") ?? ""))) throw new Unauthorized();
    await next();
  };
}

/** The token of an `Authorization: Bearer <token>` value (scheme case-insensitive), or "". */
function bearer(authorization: string): string {
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization);
  return m ? m[1]! : "";
}

/**
 * Compares digests, not the strings: equal-length inputs make timingSafeEqual constant-time whatever
 * the presented token's length, and every accepted token is compared (no early exit).
 */
function matchesAny(accepted: Buffer[], presented: string): boolean {
  const d = digest(presented);
  let ok = false;
  for (const a of accepted) ok = timingSafeEqual(a, d) || ok;
  return ok && presented !== "";
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}
