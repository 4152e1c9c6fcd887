/**
 * The v1 request bodies as valibot schemas: the single description of valid input, used to validate
 * every request and to generate the definitions in /v1/swagger.json.
 * @module
 */
import * as v from "valibot";
import { ROUTE_FORMATS, ROUTE_TYPES } from "../model.ts";
import { routePathProblem } from "../paths.ts";

/** Config keys become env var names: upper-cased, `-` → `_`; anything else could not be set. */
const configKey = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, "config keys must be usable as environment variable names ([A-Za-z_][A-Za-z0-9_-]*)"),
  v.maxLength(128),
);
const configMap = v.pipe(
  v.record(configKey, v.pipe(v.string("config values must be strings"), v.maxLength(64 * 1024))),
  v.description("Configuration passed to the function as environment variables; on PATCH an empty value removes the key."),
);

const headerName = v.pipe(v.string(), v.regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "header names must be HTTP tokens"));
const headerValue = v.pipe(v.string(), v.regex(/^[^\r\n\0]*$/, "header values must not contain CR, LF or NUL"));
const headerMap = v.pipe(
  v.record(headerName, v.union([headerValue, v.array(headerValue)], "header values must be a string or a list of strings")),
  v.description("Headers added to every response of the route; on PATCH an empty value removes the header."),
);

export const appName = v.pipe(
  v.string("app name must be a string"),
  v.regex(/^[A-Za-z0-9_-]{1,30}$/, "app names are 1 to 30 characters of A-Z, a-z, 0-9, _ and -"),
);

export const App = v.object({
  name: v.optional(appName),
  config: v.optional(configMap),
});
export const AppWrapper = v.object({ app: v.object(App.entries, "app must be an object") }, "body must be an object with an app");

const routePath = v.pipe(
  v.string("path must be a string"),
  v.check((p) => routePathProblem(p) === undefined, (issue) => `route path ${routePathProblem(String(issue.input))}`),
);
const seconds = (name: string) =>
  v.pipe(v.number(`${name} must be a number`), v.integer(`${name} must be a whole number of seconds`), v.minValue(1, `${name} must be at least 1 second`), v.maxValue(3600, `${name} must be at most 3600 seconds`));

export const Route = v.object({
  path: v.optional(routePath),
  image: v.optional(
    v.pipe(
      v.string("image must be a string"),
      v.regex(/^[a-z0-9][A-Za-z0-9._\/:@-]{0,254}$/, "image must be a Docker image reference such as repo/name:tag"),
    ),
  ),
  type: v.optional(v.picklist(ROUTE_TYPES, `type must be one of ${ROUTE_TYPES.join(", ")}`)),
  format: v.optional(v.picklist(ROUTE_FORMATS, `format must be one of ${ROUTE_FORMATS.join(", ")}`)),
  memory: v.optional(
    v.pipe(
      v.number("memory must be a number"),
      v.integer("memory must be a whole number of MiB"),
      // Docker refuses a memory limit under 6 MiB.
      v.minValue(6, "memory must be at least 6 MiB"),
      // The real bound is HOTFN_MAX_MEMORY, checked where the route is written (routes.ts).
      v.maxValue(1024 * 1024, "memory must be at most 1048576 MiB"),
    ),
  ),
  timeout: v.optional(seconds("timeout")),
  idle_timeout: v.optional(seconds("idle_timeout")),
  user: v.optional(
    v.pipe(
      v.string("user must be a string"),
      v.regex(/^([A-Za-z0-9_][A-Za-z0-9_.-]{0,31}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,31})?)?$/, "user must be empty, root, or user[:group] (names or numeric ids)"),
      v.description('Who the function runs as: "" (default) is the image\'s own non-root USER, else uid 65534 (nobody); "root" runs it as root.'),
    ),
  ),
  headers: v.optional(headerMap),
  config: v.optional(configMap),
});
export const RouteWrapper = v.object({ route: v.object(Route.entries, "route must be an object") }, "body must be an object with a route");

export type RouteInput = v.InferOutput<typeof Route>;

/** Header values arrive as a string or a list; they are kept as lists. */
export function normalizeHeaders(h: Record<string, string | string[]> | undefined): Record<string, string[]> | undefined {
  if (h === undefined) return undefined;
  return Object.fromEntries(Object.entries(h).map(([k, val]) => [k, Array.isArray(val) ? val : [val]]));
}
