/**
 * The v1 request bodies as valibot schemas: the single description of valid input, used to validate
 * every request and to generate the definitions in /v1/swagger.json.
 * @module
 */
import * as v from "valibot";
import { Invalid } from "../errors.ts";
import { parseImageRef } from "../image-ref.ts";
import { ROUTE_FORMATS, ROUTE_TYPES } from "../model.ts";
import { routePathProblem } from "../paths.ts";
import { routeHeaderProblem } from "../headers.ts";

/**
 * A function's config becomes its environment, which Docker carries in one request and the kernel
 * in one exec: app and route config together hold at most this many keys and bytes (keys + values).
 */
export const MAX_CONFIG_KEYS = 256;
export const MAX_CONFIG_BYTES = 64 * 1024;

/** Throws Invalid unless app and route config together fit a function's environment. */
export function checkConfigFits(appConfig: Record<string, string>, routeConfig: Record<string, string>, field: string): void {
  const keys = new Set([...Object.keys(appConfig), ...Object.keys(routeConfig)]).size;
  const bytes = configBytes(appConfig) + configBytes(routeConfig);
  if (keys > MAX_CONFIG_KEYS || bytes > MAX_CONFIG_BYTES) {
    throw new Invalid(
      `${field}: app and route config together would hold ${keys} keys and ${bytes} bytes; a function's environment takes at most ${MAX_CONFIG_KEYS} keys and ${MAX_CONFIG_BYTES} bytes`,
      field,
    );
  }
}

/** The bytes a config map adds to the environment. */
export function configBytes(config: Record<string, string>): number {
  let n = 0;
  for (const [k, val] of Object.entries(config)) n += Buffer.byteLength(k) + Buffer.byteLength(val) + 2;
  return n;
}

/** Config keys become env var names: upper-cased, `-` → `_`; anything else could not be set. */
const configKey = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, "config keys must be usable as environment variable names ([A-Za-z_][A-Za-z0-9_-]*)"),
  v.maxLength(128),
);
const configMap = v.pipe(
  v.record(configKey, v.pipe(v.string("config values must be strings"), v.regex(/^[^\0]*$/, "config values must not contain NUL"))),
  v.check((m) => Object.keys(m).length <= MAX_CONFIG_KEYS, `config holds at most ${MAX_CONFIG_KEYS} keys`),
  v.check((m) => configBytes(m) <= MAX_CONFIG_BYTES, `config holds at most ${MAX_CONFIG_BYTES} bytes of keys and values`),
  v.description(`Configuration passed to the function as environment variables (app and route together: at most ${MAX_CONFIG_KEYS} keys and ${MAX_CONFIG_BYTES} bytes); on PATCH an empty value removes the key.`),
);

const headerName = v.pipe(
  v.string(),
  v.regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "header names must be HTTP tokens"),
  v.check((name) => routeHeaderProblem(name) === undefined, (issue) => `header ${String(issue.input)}: ${routeHeaderProblem(String(issue.input))}`),
);
// What every HTTP client and server carries: visible ASCII, space and tab (RFC 9110 §5.5 field-value
// without obs-text, which Bun and browsers refuse or mangle).
const headerValue = v.pipe(v.string(), v.regex(/^[\t\x20-\x7e]*$/, "header values must be visible ASCII, spaces and tabs"), v.maxLength(8192));
const headerMap = v.pipe(
  v.record(headerName, v.union([headerValue, v.array(headerValue)], "header values must be a string or a list of strings")),
  v.check((m) => Object.keys(m).length <= 64, "a route adds at most 64 headers"),
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
      v.check(
        (ref) => typeof parseImageRef(ref) !== "string",
        (issue) => `image must be a Docker image reference such as registry.example.com/team/name:tag (${String(parseImageRef(String(issue.input)))})`,
      ),
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
