/**
 * The function contract: the environment a function's container sees (design.md "The function
 * contract"), the per-call values the formats send, and the key that identifies one function — the
 * containers that key shares can serve each other's calls. Pure functions.
 * @module
 */
import type { App, Route } from "../model.ts";
import type { Invocation } from "./types.ts";

/** A config key as an env name: upper-cased, `-` → `_`. */
export function configEnvName(key: string): string {
  return key.toUpperCase().replaceAll("-", "_");
}

/** A header or param name as an env suffix: upper-cased, anything but A-Z 0-9 _ → `_`. */
export function envSuffix(name: string): string {
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
 */
export function callEnv(inv: Invocation): Record<string, string> {
  const env = functionEnv(inv.app, inv.route);
  const put = (name: string, value: string) => {
    env[`FN_${name}`] = value;
    env[name] = value;
  };
  env.FN_CALL_ID = inv.callId;
  env.APP_NAME = inv.app.name;
  env.ROUTE = inv.route.path;
  put("METHOD", inv.method);
  put("REQUEST_URL", inv.url);
  for (const [name, value] of joinHeaders(inv.headers)) put(`HEADER_${envSuffix(name)}`, clean(value));
  for (const [name, value] of Object.entries(inv.params)) put(`PARAM_${envSuffix(name)}`, clean(value));
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

/** The call's deadline as RFC 3339 UTC, `timeoutSeconds` from `now`. */
export function deadline(timeoutSeconds: number, now: number = Date.now()): string {
  return new Date(now + timeoutSeconds * 1000).toISOString();
}

/**
 * Identifies one function: app, route path, image, format, memory, and a hash of everything else a
 * container sees at start (config, type). Calls with the same key may share hot containers.
 */
export function functionKey(app: App, route: Route): string {
  const env = functionEnv(app, route);
  const canonical = JSON.stringify(Object.keys(env).sort().map((k) => [k, env[k]]));
  const hash = new Bun.CryptoHasher("sha256").update(canonical).digest("hex").slice(0, 16);
  return `${app.name}${route.path} ${route.image} ${route.format} ${route.memory}MiB ${hash}`;
}

/** Env values and header values cannot carry NUL; header values cannot carry CR or LF either. */
export function clean(value: string): string {
  return value.replace(/[\0\r\n]/g, " ");
}
