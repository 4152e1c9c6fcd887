/**
 * /v1/swagger.json: the API this server serves. Body definitions are generated from the valibot
 * schemas that validate requests; the path table below is checked against the router by a test
 * (test/swagger.test.ts), both ways: every path here is served, every served v1 path is here.
 * @module
 */
import { toJsonSchema } from "@valibot/to-json-schema";
import type * as v from "valibot";
import { CALL_STATUSES } from "../model.ts";
import { COLUMNS } from "../metrics/timeline.ts";
import { App, AppWrapper, Route, RouteWrapper } from "./schemas.ts";
import { MAX_OVERVIEW } from "./timeline.ts";

type Method = "get" | "post" | "patch" | "delete" | "put";

interface Op {
  summary: string;
  params?: string[];
  body?: string;
  ok: string | null;
  errors?: number[];
  query?: string[];
}

/** Every endpoint: path → method → operation. `{route}` and `{path}` span slashes. */
export const ENDPOINTS: Record<string, Partial<Record<Method, Op>>> = {
  "/version": { get: { summary: "Get daemon version.", ok: "Version" } },
  "/apps": {
    get: { summary: "List apps, by name.", ok: "AppsWrapper", query: ["per_page", "cursor"] },
    post: { summary: "Create an app.", body: "AppWrapper", ok: "AppWrapper", errors: [400, 409, 413, 415] },
  },
  "/apps/{app}": {
    get: { summary: "Get an app.", params: ["app"], ok: "AppWrapper", errors: [404] },
    patch: { summary: "Update an app's config (an empty value removes a key).", params: ["app"], body: "AppWrapper", ok: "AppWrapper", errors: [400, 404, 413, 415] },
    delete: { summary: "Delete an app without routes.", params: ["app"], ok: null, errors: [400, 404] },
  },
  "/apps/{app}/routes": {
    get: { summary: "List an app's routes, by path.", params: ["app"], ok: "RoutesWrapper", errors: [404], query: ["per_page", "cursor"] },
    post: { summary: "Create a route, and its app when missing.", params: ["app"], body: "RouteWrapper", ok: "RouteWrapper", errors: [400, 409, 413, 415] },
  },
  "/apps/{app}/routes/{route}": {
    get: { summary: "Get a route.", params: ["app", "route"], ok: "RouteWrapper", errors: [404] },
    patch: { summary: "Update a route (config and headers merge).", params: ["app", "route"], body: "RouteWrapper", ok: "RouteWrapper", errors: [400, 404, 413, 415] },
    delete: { summary: "Delete a route; its hot containers retire.", params: ["app", "route"], ok: null, errors: [404] },
  },
  "/apps/{app}/routes/{route}/stats": {
    get: { summary: "The scaling figures of a route's function (the same ones /metrics exports).", params: ["app", "route"], ok: "RouteStats", errors: [404] },
  },
  "/apps/{app}/routes/{route}/timeline": {
    get: {
      summary: "The last minutes of a route's function, one sample a second: containers by state, queue length, calls and failures, wait p99; and the scaler's recent decisions (launches with their reasons, failed starts, containers gone). `since` sends only what is newer.",
      params: ["app", "route"],
      ok: "RouteTimelineWrapper",
      errors: [400, 404],
      query: ["since"],
    },
  },
  "/timeline": {
    get: { summary: "The functions at work: containers, queue, calls/s, wait p99 and launches of each function active in the last minutes, busiest first.", ok: "FunctionsAtWork", errors: [400], query: ["limit"] },
  },
  "/calls/{call}": { get: { summary: "Get a call.", params: ["call"], ok: "CallWrapper", errors: [404] } },
  "/calls/{call}/output": { get: { summary: "Get an async call's recorded output (the function's answer body).", params: ["call"], ok: null, errors: [404] } },
  "/calls/{call}/log": { get: { summary: "Get a call's log (stderr).", params: ["call"], ok: "LogWrapper", errors: [404] } },
  "/apps/{app}/calls/{route}": {
    get: { summary: "List a route's calls, newest first.", params: ["app", "route"], ok: "CallsWrapper", errors: [400, 404], query: ["per_page", "cursor", "status"] },
  },
  "/tasks": {
    get: { summary: "Take the next queued async call; no other consumer gets it ({\"task\": null} when none waits).", ok: "TaskWrapper" },
    delete: { summary: "Acknowledge a task taken with GET /tasks, with its outcome and its lease (409 without the current lease).", body: "TaskAck", ok: null, errors: [400, 404, 409, 413, 415] },
  },
};

const schema = (s: v.GenericSchema) => {
  const { $schema: _, ...rest } = toJsonSchema(s, { errorMode: "ignore" }) as Record<string, unknown>;
  return rest;
};
const ref = (name: string) => ({ $ref: `#/definitions/${name}` });
const obj = (properties: Record<string, unknown>, required?: string[]) => ({ type: "object", properties, ...(required ? { required } : {}) });
const str = { type: "string" };
const time = { type: "string", format: "date-time" };
const int = { type: "integer" };
const series = (type: string, description?: string) => ({ type: "array", items: { type }, ...(description ? { description } : {}) });

const definitions = {
  App: schema(App),
  AppWrapper: schema(AppWrapper),
  Route: schema(Route),
  RouteWrapper: schema(RouteWrapper),
  AppsWrapper: obj({ apps: { type: "array", items: ref("App") }, next_cursor: str }, ["apps"]),
  RoutesWrapper: obj({ routes: { type: "array", items: ref("Route") }, next_cursor: str }, ["routes"]),
  RouteStats: obj({ stats: { type: "object", additionalProperties: true } }, ["stats"]),
  RouteTimelineWrapper: obj(
    {
      timeline: obj(
        {
          app: str,
          route: str,
          interval_ms: int,
          window_s: int,
          now: int,
          samples: obj(
            Object.fromEntries([["t", series("integer", "when each interval ended, ms since the epoch")], ...COLUMNS.map((c) => [c, series(c === "wait_p99_ms" ? "number" : "integer", c === "wait_p99_ms" ? "null when no call waited" : undefined)])]),
            ["t", ...COLUMNS],
          ),
          events: { type: "array", items: ref("TimelineEvent") },
        },
        ["app", "route", "interval_ms", "window_s", "now", "samples", "events"],
      ),
    },
    ["timeline"],
  ),
  TimelineEvent: obj({ t: int, kind: { type: "string", enum: ["launch", "start_failed", "gone"] }, reason: str }, ["t", "kind", "reason"]),
  FunctionsAtWork: obj(
    {
      functions: {
        type: "array",
        items: obj({ app: str, route: str, idle: int, busy: int, starting: int, queue: int, calls_per_s: { type: "number" }, wait_p99_ms: { type: "number" }, launches: int, last_launch: ref("TimelineEvent") }),
      },
    },
    ["functions"],
  ),
  Call: obj({ id: str, status: { type: "string", enum: [...CALL_STATUSES] }, app_name: str, path: str, created_at: time, started_at: time, completed_at: time, error: str, attempts: { type: "integer" } }),
  CallWrapper: obj({ call: ref("Call") }, ["call"]),
  CallsWrapper: obj({ calls: { type: "array", items: ref("Call") }, next_cursor: str }, ["calls"]),
  LogWrapper: obj({ log: obj({ call_id: str, log: str }) }),
  Task: obj({
    id: str,
    app_name: str,
    path: str,
    image: str,
    payload: str,
    status: str,
    created_at: time,
    attempts: { type: "integer" },
    format: str,
    timeout: { type: "integer" },
    memory: { type: "integer" },
    env_vars: { type: "object", additionalProperties: str },
    lease: { type: "string", description: "this hand-out's token; the ack must send it back: a consumer whose lease lapsed cannot acknowledge" },
  }),
  TaskAck: obj({ task: obj({ id: str, lease: str, status: { type: "string", enum: ["success", "error", "timeout", "cancelled"], default: "success" }, error: str, output: str, log: str }, ["id", "lease"]) }, ["task"]),
  TaskWrapper: obj({ task: ref("Task") }, ["task"]),
  Version: obj({ version: str }),
  ErrorBody: obj({ message: str, fields: str }),
  Error: obj({ error: ref("ErrorBody") }),
};

const QUERY: Record<string, object> = {
  per_page: { name: "per_page", in: "query", type: "integer", minimum: 1, maximum: 100, default: 30 },
  cursor: { name: "cursor", in: "query", type: "string", description: "next_cursor of the previous page" },
  status: { name: "status", in: "query", type: "string", enum: [...CALL_STATUSES] },
  since: { name: "since", in: "query", type: "integer", description: "ms since the epoch: only samples and events after it" },
  limit: { name: "limit", in: "query", type: "integer", minimum: 1, maximum: MAX_OVERVIEW, default: 20 },
};

/** The Swagger 2.0 document served at /v1/swagger.json. */
export function swaggerDocument(version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, ops] of Object.entries(ENDPOINTS)) {
    paths[path] = {};
    for (const [method, op] of Object.entries(ops) as [Method, Op][]) {
      const responses: Record<string, unknown> = { 200: { description: "OK", ...(op.ok ? { schema: ref(op.ok) } : {}) } };
      // 401: when the server has a token for this door and the request lacks it.
      for (const code of [401, ...(op.errors ?? [])]) responses[code] = { description: "Error", schema: ref("Error") };
      responses.default = { description: "Unexpected error", schema: ref("Error") };
      paths[path][method] = {
        summary: op.summary,
        parameters: [
          ...(op.params ?? []).map((name) => ({ name, in: "path", required: true, type: "string" })),
          ...(op.query ?? []).map((q) => QUERY[q]),
          ...(op.body ? [{ name: "body", in: "body", required: true, schema: ref(op.body) }] : []),
        ],
        responses,
      };
    }
  }
  return {
    swagger: "2.0",
    info: { title: "hotfn", description: "Fn v1 API, served by hotfn", version },
    basePath: "/v1",
    consumes: ["application/json"],
    produces: ["application/json"],
    // With HOTFN_API_TOKEN set, every /v1 operation needs it (Fn's clients send FN_TOKEN this way).
    securityDefinitions: { bearer: { type: "apiKey", name: "Authorization", in: "header", description: "Bearer <token>" } },
    security: [{ bearer: [] }],
    paths,
    definitions,
  };
}
