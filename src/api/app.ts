/**
 * The HTTP application: request ids, body limits, the v1 routers, /r/ invocation, and the one error
 * handler. Built from its dependencies; holds no state of its own.
 * @module
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { type Config, VERSION } from "../config.ts";
import { TooLarge } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { Runner } from "../runner/types.ts";
import type { Store } from "../store/index.ts";
import { appsApi } from "./apps.ts";
import { callsApi } from "./calls.ts";
import { debugApi } from "./debug.ts";
import { errorBody, handleError } from "./errors.ts";
import { type AsyncEnqueuer, invokeApi } from "./invoke.ts";
import { routesApi } from "./routes.ts";
import { statsApi } from "./stats.ts";
import { swaggerDocument } from "./swagger.ts";
import { tasksApi } from "./tasks.ts";

export interface ApiDeps {
  config: Config;
  log: Logger;
  store: Store;
  runner: Runner;
  queue: AsyncEnqueuer;
  metrics: Metrics;
}

export function createApp({ config, log, store, runner, queue, metrics }: ApiDeps) {
  const app = new Hono();
  const swagger = swaggerDocument();
  const tooLarge = (limit: number) => () => {
    throw new TooLarge(`request body is larger than ${limit} bytes`);
  };

  app.use(requestId({ headerName: "X-Request-Id" }));
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    log.debug("request", { request_id: c.get("requestId"), method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) });
  });
  app.use("/v1/*", bodyLimit({ maxSize: config.maxApiBody, onError: tooLarge(config.maxApiBody) }));
  app.use("/r/*", bodyLimit({ maxSize: config.maxRequestBody, onError: tooLarge(config.maxRequestBody) }));
  app.use("/tasks", bodyLimit({ maxSize: config.maxApiBody, onError: tooLarge(config.maxApiBody) }));

  app.get("/", (c) => c.json({ hello: "world!", goto: "/v1/swagger.json" }));
  const version = (c: { json: (o: unknown) => Response }) => c.json({ version: VERSION });
  app.get("/version", version);
  app.get("/v1/version", version);
  app.get("/v1/swagger.json", (c) => c.json(swagger));
  app.get("/metrics", async (c) => c.body(await metrics.text(), 200, { "Content-Type": metrics.contentType }));

  const v1 = new Hono()
    .route("/apps", appsApi(store))
    .route("/apps", statsApi(store, metrics))
    .route("/apps", routesApi(store, config))
    .route("/", callsApi(store));
  if (config.debugHeap) v1.route("/debug", debugApi());
  app.route("/v1", v1);
  const tasks = tasksApi({ queue: store.queue, routeCache: store.routeCache, leaseMs: config.asyncLeaseMs });
  app.route("/tasks", tasks);
  app.route("/v1/tasks", tasks);
  app.route("/r", invokeApi({ config, store, runner, queue }));

  app.notFound((c) => c.json(errorBody(`no such endpoint: ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => handleError(err, c, log.child({ request_id: c.get("requestId") })));
  return app;
}
