/**
 * The dashboard's live figures, through the API and its token like any other client's:
 * GET /v1/timeline (the functions at work, busiest first) and
 * GET /v1/apps/{app}/routes/{route}/timeline (one function's last minutes, second by second, with
 * the scaler's decisions). Both are small enough to poll every second; `since` sends only what is new.
 * Polling, not server-sent events: a browser's EventSource cannot send an Authorization header, and
 * the token must never travel in a URL.
 * @module
 */
import { Hono } from "hono";
import * as v from "valibot";
import type { Timeline } from "../metrics/timeline.ts";
import type { Store } from "../store/index.ts";
import { parseParam } from "./body.ts";
import { routeSuffix } from "./route-suffix.ts";

export const MAX_OVERVIEW = 100;
const DEFAULT_OVERVIEW = 20;

const since = v.optional(v.pipe(v.string(), v.regex(/^\d{1,16}$/, "must be a time in ms since the epoch"), v.transform(Number)));
const limit = v.optional(
  v.pipe(
    v.string(),
    v.regex(/^\d+$/, `must be a whole number from 1 to ${MAX_OVERVIEW}`),
    v.transform(Number),
    v.minValue(1, `must be from 1 to ${MAX_OVERVIEW}`),
    v.maxValue(MAX_OVERVIEW, `must be from 1 to ${MAX_OVERVIEW}`),
  ),
);

/** Mount at /v1: `/timeline`, and in front of the route GET, `/apps/{app}/routes/{route}/timeline`. */
export function timelineApi(store: Store, timeline: Timeline) {
  return new Hono()
    .get("/timeline", (c) => c.json({ functions: timeline.overview(parseParam("limit", limit, c.req.query("limit")) ?? DEFAULT_OVERVIEW) }))
    .get(
      "/apps/:app/routes/*",
      routeSuffix(store, "/timeline", (c, app, path) => c.json({ timeline: timeline.route(app, path, parseParam("since", since, c.req.query("since"))) })),
    );
}
