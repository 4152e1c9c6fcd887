/**
 * /r/{app}/{route...}: resolves the route (from the cache), then runs a sync call through the runner
 * and answers with the function's response, or stores an async call and answers 202 with its id.
 * Every answer carries Fn-Call-Id (and the legacy FN_CALL_ID) and the route's headers.
 * @module
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { CallerGone, HotfnError, TooLarge } from "../errors.ts";
import { routeHeaderProblem } from "../headers.ts";
import type { Route } from "../model.ts";
import type { Invocation, Runner } from "../runner/types.ts";
import type { Store } from "../store/index.ts";
import { runtime, type ServeEnv } from "../runtime/index.ts";

/** Stores an async call durably; resolves only once it is stored. Throws Busy when the queue is full. */
export interface AsyncEnqueuer {
  enqueue(inv: Omit<Invocation, "priority" | "signal">): Promise<void>;
}

export interface InvokeDeps {
  /** largest call body, bytes (HOTFN_MAX_REQUEST_BODY) */
  maxRequestBody: number;
  store: Store;
  runner: Runner;
  queue: AsyncEnqueuer;
  /** True for an Authorization value that carries one of hotfn's tokens: it never reaches a function. */
  carriesHotfnToken(authorization: string): boolean;
}

export function invokeApi({ maxRequestBody, store, runner, queue, carriesHotfnToken }: InvokeDeps) {
  // hotfn's own credentials are not the function's to see, nor to keep with a stored async call.
  // Which of the rest a function sees is the formats' to decide (headers.ts, toFunction), once.
  const forFunction = (headers: Headers): [string, string][] =>
    [...headers.entries()].filter(([name, value]) => name.toLowerCase() !== "authorization" || !carriesHotfnToken(value));

  return new Hono().all("/:app/*", async (c) => {
    const appName = c.req.param("app");
    const prefix = `/r/${appName}`;
    const rest = c.req.path.slice(c.req.path.indexOf(prefix) + prefix.length) || "/";
    const { app, route, params } = await store.routeCache.resolve(appName, rest);

    const callId = runtime.randomUUIDv7();
    c.header("Fn-Call-Id", callId);
    c.header("FN_CALL_ID", callId);
    setRouteHeaders(c, route);

    const inv: Omit<Invocation, "priority" | "signal"> = {
      callId,
      app,
      route,
      params,
      method: c.req.method,
      url: c.req.url,
      headers: forFunction(c.req.raw.headers),
      body: await readBody(c, maxRequestBody),
    };

    if (route.type === "async") {
      await queue.enqueue(inv);
      return c.json({ call_id: callId }, 202);
    }

    keepOpen(c);
    const createdAt = new Date();
    store.recorder.started({ id: callId, appName, path: route.path, createdAt, startedAt: createdAt });
    const request = c.req.raw;
    // The request's signal is made on first read (types.ts, Invocation.signal): a hot call that
    // finds an idle container never reads it.
    const outcome = await runner.run({
      ...inv,
      priority: "sync",
      get signal() {
        return request.signal;
      },
    }).catch((err: unknown) => {
      const gone = request.signal.aborted;
      const error = gone ? "the caller went away before the call started" : String((err as Error)?.message ?? err);
      store.recorder.finished(callId, { status: gone ? "cancelled" : "error", startedAt: null, completedAt: new Date(), error, log: "" });
      throw gone ? new CallerGone(error) : err;
    });
    store.recorder.finished(callId, {
      status: outcome.status,
      startedAt: outcome.startedAt,
      completedAt: outcome.completedAt,
      error: outcome.status === "success" ? null : outcome.error.message,
      log: outcome.log,
    });
    if (outcome.status !== "success") throw outcome.error;

    const { status, headers, body } = outcome.response;
    // The formats hand over only what may reach a caller (headers.ts, toCaller).
    for (const [k, v] of headers) c.header(k, v, { append: true });
    // These statuses carry no body by definition (RFC 9110 §15.3.5, §15.3.6, §15.4.5).
    if (NULL_BODY.has(status)) return c.body(null, status as 204);
    return c.body(body as Uint8Array<ArrayBuffer>, status as 200);
  });
}

const NULL_BODY = new Set([204, 205, 304]);
const ENCODER = new TextEncoder();

/**
 * The connection idle timeout (HOTFN_CONN_IDLE_TIMEOUT) is for callers that go quiet while sending;
 * once a call is read, its connection waits on the function, however long the route lets it run.
 * The server hands the runtime's ServeEnv to the handler as Hono's env; in-process requests
 * (`app.request`) have none, and need none.
 */
function keepOpen(c: Context): void {
  (c.env as Partial<ServeEnv> | undefined)?.keepOpen?.(c.req.raw);
}

function setRouteHeaders(c: Context, route: Route): void {
  for (const [name, values] of Object.entries(route.headers)) {
    // Refused when written; a route stored before that rule must not spoof hotfn's own either.
    if (routeHeaderProblem(name) !== undefined) continue;
    for (const v of values) c.header(name, v, { append: true });
  }
}

/** The call's input: the body, or for GET the `payload` query value (as the original server did). */
async function readBody(c: Context, max: number): Promise<Uint8Array> {
  if (c.req.method === "GET" || c.req.method === "HEAD") return ENCODER.encode(c.req.query("payload") ?? "");
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > max) throw new TooLarge(`request body is larger than ${max} bytes`);
  const body = await c.req.arrayBuffer().then(
    (buf) => new Uint8Array(buf),
    (err: unknown) => {
      // bodyLimit's TooLarge passes; anything else is the caller's connection failing mid-body
      // (it hung up, or sent less than its Content-Length and went quiet).
      if (err instanceof HotfnError) throw err;
      throw new CallerGone("the caller stopped sending its body", { cause: err });
    },
  );
  if (body.byteLength > max) throw new TooLarge(`request body is larger than ${max} bytes`);
  return body;
}
