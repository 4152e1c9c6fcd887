/**
 * The function contract: the environment a function's container sees (the README's "Formats"), the
 * per-call values the formats send, and the key that identifies one function — the containers that
 * key shares can serve each other's calls. Pure functions.
 * @module
 */
import { headerEnvSuffix } from "../headers.ts";
import type { App, Route } from "../model.ts";
import type { Invocation } from "./types.ts";
import { runtime } from "../runtime/index.ts";

/** A config key as an env name: upper-cased, `-` → `_`. */
export function configEnvName(key: string): string {
  return key.toUpperCase().replaceAll("-", "_");
}

/** A param name as an env suffix: upper-cased (route params are already [A-Za-z_][A-Za-z0-9_]*). */
function paramSuffix(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
}

/**
 * The env every container of the function gets: app config, then route config (route wins), then the
 * FN_* values — which win over config, so a config key cannot fake the format or the app name.
 */
export function functionEnv(app: App, route: Route): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(app.config)) env[configEnvName(k)] = clean(v);
  for (const [k, v] of Object.entries(route.config)) env[configEnvName(k)] = clean(v);
  env.FN_APP_NAME = app.name;
  env.FN_PATH = route.path;
  env.FN_FORMAT = route.format;
  env.FN_MEMORY = String(route.memory);
  env.FN_TYPE = route.type;
  return env;
}

/**
 * The env of a `default`-format container, which serves exactly one call: the function env plus the
 * call's id, method, URL, headers and route params, each under FN_* and under the 2017 unprefixed name.
 * hotfn's own values (call id, method, URL, app, route) win over config; what the caller chose
 * (headers, param values) never does: a config key of the same name stands. Header names map by
 * headers.ts `headerEnvSuffix` (a name that could collide is left out).
 */
export function callEnv(inv: Invocation): Record<string, string> {
  const env = functionEnv(inv.app, inv.route);
  const own = (name: string, value: string) => {
    env[`FN_${name}`] = value;
    env[name] = value;
  };
  const callers = (name: string, value: string) => {
    for (const key of [`FN_${name}`, name]) if (!(key in env)) env[key] = value;
  };
  env.FN_CALL_ID = inv.callId;
  env.APP_NAME = inv.app.name;
  env.ROUTE = inv.route.path;
  own("METHOD", inv.method);
  own("REQUEST_URL", inv.url);
  for (const [name, value] of joinHeaders(inv.headers)) {
    const suffix = headerEnvSuffix(name);
    if (suffix !== undefined) callers(`HEADER_${suffix}`, clean(value));
  }
  for (const [name, value] of Object.entries(inv.params)) callers(`PARAM_${paramSuffix(name)}`, clean(value));
  return env;
}

/** Headers with repeated names merged (values joined with ", ", RFC 9110 §5.3), first spelling kept. */
export function joinHeaders(headers: [string, string][]): Map<string, string> {
  const byLower = new Map<string, [string, string]>();
  for (const [name, value] of headers) {
    const seen = byLower.get(name.toLowerCase());
    if (seen) seen[1] = `${seen[1]}, ${value}`;
    else byLower.set(name.toLowerCase(), [name, value]);
  }
  return new Map(byLower.values());
}

/** The call's deadline (Fn-Deadline) as RFC 3339 UTC, `timeoutSeconds` from `now`. */
export function deadlineHeader(timeoutSeconds: number, now: number = Date.now()): string {
  return new Date(now + timeoutSeconds * 1000).toISOString();
}

/**
 * Identifies one function: app, route path, image, format, memory, and a hash of everything else a
 * container sees at start (config, type). Calls with the same key may share hot containers.
 */
export function functionKey(app: App, route: Route): string {
  const env = functionEnv(app, route);
  const canonical = JSON.stringify(Object.keys(env).sort().map((k) => [k, env[k]]));
  const hash = runtime.sha256Hex(canonical).slice(0, 16);
  return `${app.name}${route.path} ${route.image} ${route.format} ${route.memory}MiB ${hash}`;
}

// Module-wide: a literal in the function is a new RegExp on every call, several per hot call.
const NOT_IN_VALUES = /[\0\r\n]/g;

/** Env values and header values cannot carry NUL; header values cannot carry CR or LF either. */
export function clean(value: string): string {
  return value.replace(NOT_IN_VALUES, " ");
}
