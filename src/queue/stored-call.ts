/**
 * The stored form of an async call: what the API hands the queue becomes a `queued` row, and a
 * claimed row becomes an Invocation again. Pure conversions.
 * @module
 */
import type { CallRequest, LoggedOutcome } from "../model.ts";
import type { Invocation, RunOutcome } from "../runner/types.ts";
import type { ClaimedCall, NewQueuedCall } from "../store/call-queue.ts";
import type { ResolvedRoute } from "../store/route-cache.ts";

/** An async call as the API builds it: an Invocation without the run-time parts. */
export type AsyncCall = Omit<Invocation, "priority" | "signal">;

export function toQueuedCall(call: AsyncCall, createdAt = new Date()): NewQueuedCall {
  return {
    id: call.callId,
    appName: call.app.name,
    path: call.route.path,
    request: { method: call.method, url: call.url, headers: headerRecord(call.headers), params: call.params },
    payload: call.body,
    createdAt,
  };
}

/** The call to run for a claimed row, on the route as it is now. */
export function toInvocation(call: ClaimedCall, { app, route }: ResolvedRoute, signal?: AbortSignal): Invocation {
  const inv: Invocation = {
    callId: call.id,
    app,
    route,
    params: call.request.params,
    method: call.request.method,
    url: call.request.url,
    headers: Object.entries(call.request.headers),
    body: call.payload,
    priority: "async",
  };
  if (signal) inv.signal = signal;
  return inv;
}

/**
 * What to record for a finished run; an async call keeps the function's answer as its output. The
 * log stays the runner's, to be read when the outcome is written.
 */
export function toCallOutcome(o: RunOutcome): LoggedOutcome {
  if (o.status === "success") {
    return { status: "success", startedAt: o.startedAt, completedAt: o.completedAt, error: null, log: o.log, output: o.response.body };
  }
  return { status: o.status, startedAt: o.startedAt, completedAt: o.completedAt, error: o.error.message, log: o.log, output: null };
}

/**
 * Headers as one value per name (the stored CallRequest shape). Repeated fields are joined with
 * ", " as RFC 9110 §5.3 allows, except Cookie, whose pairs are joined with "; " (RFC 6265 §5.4).
 */
function headerRecord(headers: [string, string][]): CallRequest["headers"] {
  const out: Record<string, string> = {};
  const names = new Map<string, string>();
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    const first = names.get(lower);
    if (first === undefined) {
      names.set(lower, name);
      out[name] = value;
    } else {
      out[first] = `${out[first]}${lower === "cookie" ? "; " : ", "}${value}`;
    }
  }
  return out;
}
