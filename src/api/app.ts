/**
 * The HTTP application: request ids, the doors' credentials, body limits, the v1 routers, /r/
 * invocation, the dashboard (/ui), and the one error handler. Built from its dependencies; holds no
 * state of its own.
 * @module
 */
import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { TooLarge } from "../errors.ts";
import type { ImagePolicy } from "../image-policy.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { Timeline } from "../metrics/timeline.ts";
import type { Claims } from "../queue/claims.ts";
import type { Runner } from "../runner/types.ts";
import type { Store } from "../store/index.ts";
import { dashboard } from "../ui/dashboard.ts";
import { allowedMethods } from "./allow.ts";
import { appsApi } from "./apps.ts";
import { createDoors, type DoorTokens } from "./auth.ts";
import { callsApi } from "./calls.ts";
import { debugApi } from "./debug.ts";
import { errorBody, handleError } from "./errors.ts";
import { type AsyncEnqueuer, invokeApi } from "./invoke.ts";
import { routesApi } from "./routes.ts";
import { statsApi } from "./stats.ts";
import { swaggerDocument } from "./swagger.ts";
import { tasksApi } from "./tasks.ts";
import { timelineApi } from "./timeline.ts";

export interface ApiOptions {
  /** hotfn's version, as /version and the swagger document state it */
  version: string;
  log: Logger;
  store: Store;
  runner: Runner;
  queue: AsyncEnqueuer;
  /** the claim protocol behind /tasks, shared with the in-process workers */
  claims: Claims;
  metrics: Metrics;
  /** the last minutes of each function's scaling, for the dashboard (/ui) */
  timeline: Timeline;
  tokens: DoorTokens;
  /** which images routes may use (HOTFN_ALLOWED_IMAGES) */
  images: ImagePolicy;
  /** largest /v1 and /tasks request body, bytes (HOTFN_MAX_API_BODY) */
  maxApiBody: number;
  /** largest /r request body, bytes (HOTFN_MAX_REQUEST_BODY) */
  maxRequestBody: number;
  /** MiB containers may reserve in all (HOTFN_MAX_MEMORY): a route needing more could never start */
  maxMemoryMiB: number;
  /** HOTFN_DEBUG_HEAP: serve POST /v1/debug/heap (behind the API token, like all of /v1) */
  debugHeap: boolean;
}

export function createApp(opts: ApiOptions) {
  const { log, store, runner, queue, metrics, maxApiBody, maxRequestBody } = opts;
  const app = new Hono();
  const doors = createDoors(opts.tokens);
  const swagger = swaggerDocument(opts.version);
  const tooLarge = (limit: number) => () => {
    throw new TooLarge(`request body is larger than ${limit} bytes`);
  };
  // Hono's bodyLimit reads `c.req.raw.body` first, which makes a ReadableStream for every request
  // with a body, a call's included. A stated length is checked here without one; only a body of no
  // stated length is counted as it arrives, by bodyLimit.
  const limitBody = (maxSize: number): MiddlewareHandler => {
    const refuse = tooLarge(maxSize);
    const counted = bodyLimit({ maxSize, onError: refuse });
    return (c, next) => {
      const headers = c.req.raw.headers;
      const declared = headers.get("content-length");
      if (declared === null || headers.has("transfer-encoding")) return counted(c, next);
      if (Number(declared) > maxSize) refuse();
      return next();
    };
  };
  const isTasks = (path: string) => path === "/v1/tasks" || path.startsWith("/v1/tasks/");

  app.use(requestId({ headerName: "X-Request-Id" }));
  if (log.debugging) {
    app.use(async (c, next) => {
      const started = performance.now();
      await next();
      log.debug("request", { request_id: c.get("requestId"), method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) });
    });
  }
  // The doors come before the body limits: nobody without the credential gets a body read.
  app.use("/v1/*", (c, next) => (isTasks(c.req.path) ? next() : doors.api(c, next)));
  app.use("/metrics", doors.api);
  app.use("/tasks", doors.worker);
  app.use("/v1/tasks", doors.worker);
  app.use("/r/*", doors.invoke);
  app.use("/v1/*", limitBody(maxApiBody));
  app.use("/r/*", limitBody(maxRequestBody));
  app.use("/tasks", limitBody(maxApiBody));

  app.get("/", (c) => c.json({ hello: "world!", goto: "/v1/swagger.json" }));
  const version = (c: { json: (o: unknown) => Response }) => c.json({ version: opts.version });
  app.get("/version", version);
  app.get("/v1/version", version);
  app.get("/v1/swagger.json", (c) => c.json(swagger));
  app.get("/metrics", async (c) => c.body(await metrics.text(), 200, { "Content-Type": metrics.contentType }));

  const v1 = new Hono()
    .route("/apps", appsApi(store))
    .route("/apps", statsApi(store, metrics))
    .route("/", timelineApi(store, opts.timeline))
    .route("/apps", routesApi(store, { maxMemoryMiB: opts.maxMemoryMiB, images: opts.images }))
    .route("/", callsApi(store));
  if (opts.debugHeap) v1.route("/debug", debugApi());
  app.route("/v1", v1);
  const tasks = tasksApi({ claims: opts.claims, calls: store.calls });
  app.route("/tasks", tasks);
  app.route("/v1/tasks", tasks);
  // The dashboard's page and assets hold no data: it reads everything through /v1 with the user's token.
  app.route("/ui", dashboard({ version: opts.version }));
  app.get("/ui/", (c) => c.redirect("/ui", 301));
  app.route("/r", invokeApi({ maxRequestBody, store, runner, queue, carriesHotfnToken: doors.carriesHotfnToken }));

  app.notFound((c) => {
    const allowed = allowedMethods(c.req.path);
    if (allowed.length > 0) {
      return c.json(errorBody(`Method not allowed: ${c.req.method} ${c.req.path} takes ${allowed.join(", ")}`), 405, { Allow: allowed.join(", ") });
    }
    return c.json(errorBody(`no such endpoint: ${c.req.method} ${c.req.path}`), 404);
  });
  app.onError((err, c) => handleError(err, c, log.child({ request_id: c.get("requestId") })));
  return app;
}
