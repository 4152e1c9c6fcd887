/**
 * GET /v1/apps/{app}/routes/{route}/stats: the scaling figures of one route's function as JSON, the
 * same ones /metrics exports.
 * @module
 */
import { Hono } from "hono";
import type { Metrics } from "../metrics/metrics.ts";
import type { Store } from "../store/index.ts";
import { routeSuffix } from "./route-suffix.ts";

export function statsApi(store: Store, metrics: Metrics) {
  return new Hono().get(
    "/:app/routes/*",
    routeSuffix(store, "/stats", async (c, app, path) => c.json({ stats: await metrics.routeJson(app, path) })),
  );
}
