/**
 * Which methods a path serves, read from the endpoint table that /v1/swagger.json is built from (and
 * that a test holds to the router): a request with another method on a served path gets 405 with
 * `Allow` (RFC 9110 §15.5.6), not 404.
 * @module
 */
import { ENDPOINTS } from "./swagger.ts";

const PATTERNS = Object.entries(ENDPOINTS).map(([path, ops]) => {
  // {route} is a route path and spans slashes; every other parameter is one segment.
  const source = path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace("{route}", ".+").replace(/\{[a-z]+\}/g, "[^/]+");
  return { re: new RegExp(`^${source}$`), methods: Object.keys(ops).map((m) => m.toUpperCase()) };
});

/** Paths the original server also served at the root (without /v1). */
const ROOT_ALIASES = new Set(["/version", "/tasks"]);

/** The methods `path` (a full request path) is served with, HEAD with GET; [] for a path not served. */
export function allowedMethods(path: string): string[] {
  const rel = path.startsWith("/v1/") ? path.slice(3) : ROOT_ALIASES.has(path) ? path : undefined;
  if (rel === undefined) return [];
  const methods = new Set(PATTERNS.filter((p) => p.re.test(rel)).flatMap((p) => p.methods));
  if (rel === "/swagger.json") methods.add("GET");
  if (methods.has("GET")) methods.add("HEAD");
  return [...methods].sort();
}
