/**
 * GET /v1/apps/{app}/routes/{route}/stats: the scaling figures of one route's function as JSON, the
 * same ones /metrics exports. Route paths contain slashes, so this sits in front of the route GET:
 * a path ending in /stats whose prefix is a route gets its stats; anything else (even a route whose
 * own path ends in /stats) passes on to the plain route GET.
 * @module
 */
import { Hono } from "hono";
import { NotFound } from "../errors.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { Store } from "../store/index.ts";

const SUFFIX = "/stats";

export function statsApi(store: Store, metrics: Metrics) {
  return new Hono().get("/:app/routes/*", async (c, next) => {
    const appName = c.req.param("app");
    const marker = `/${appName}/routes`;
    const full = c.req.path.slice(c.req.path.indexOf(marker) + marker.length);
    if (!full.endsWith(SUFFIX) || full.length <= SUFFIX.length + 1) return next();
    const path = full.slice(0, -SUFFIX.length);
    // A missing route passes on to the route GET (whose own path may end in /stats); a database
    // failure is an error, not "no such route".
    const exists = await store.routes.get(appName, path).then(
      () => true,
      (err: unknown) => (err instanceof NotFound ? false : Promise.reject(err)),
    );
    if (!exists) return next();
    return c.json({ stats: await metrics.routeJson(appName, path) });
  });
}
