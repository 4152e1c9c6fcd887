/**
 * The one place that says which headers cross each boundary hotfn stands on, each applied once per
 * direction:
 * - caller → function (`toFunction`): end-to-end headers only; never hop-by-hop ones (RFC 9110
 *   §7.6.1, plus any the Connection header names), framing ones (each side frames its own
 *   messages), `Expect` (a function's HTTP server could answer `100 Continue` into the framing), or
 *   hotfn's own `Fn-*` / `Fn_*` (a caller cannot spoof the call id, deadline or the http-stream
 *   `Fn-Http-*` envelope). The API also drops an Authorization header carrying one of hotfn's tokens.
 * - function → caller (`toCaller`): the same rule, so a function cannot spoof `Fn-Call-Id` either.
 * - route headers → caller: set when the route is written; names a route may not add are refused
 *   there (`routeHeaderProblem`), and skipped when answering should one be stored anyway.
 * - caller headers → the `default` format's environment (`headerEnvSuffix`): see its rule.
 * Pure functions.
 * @module
 */

const NEVER = new Set([
  "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
  "proxy-authenticate", "proxy-authorization", "content-length", "host", "expect",
]);

/** Names hotfn itself uses to talk to functions and callers (Fn_call_id, Fn-Deadline, Fn-Http-H-…). */
const HOTFN_OWN = /^fn[-_]/i;

/** Answer headers hotfn sets itself; a route's headers must not add a second, conflicting value. */
const HOTFN_ANSWER = new Set(["x-request-id", "retry-after", "www-authenticate", "content-type"]);

/** True when a header named `name` is end-to-end: it may be passed on in either direction. */
export function isEndToEnd(name: string): boolean {
  return !NEVER.has(name.toLowerCase()) && !HOTFN_OWN.test(name);
}

/**
 * The headers of one message that may be passed on: end-to-end ones not named in its `Connection`
 * header. Order and repeated names are kept. Idempotent.
 */
function endToEnd(headers: Iterable<[string, string]>): [string, string][] {
  const list = [...headers];
  const named = new Set(
    list
      .filter(([name]) => name.toLowerCase() === "connection")
      .flatMap(([, value]) => value.split(","))
      .map((s) => s.trim().toLowerCase()),
  );
  return list.filter(([name]) => isEndToEnd(name) && !named.has(name.toLowerCase()));
}

/** A caller's headers as a function may see them. */
export const toFunction = endToEnd;

/** A function's answer headers as its caller may see them. */
export const toCaller = endToEnd;

/** Why a route may not add a header named `name` to its answers, or undefined when it may. */
export function routeHeaderProblem(name: string): string | undefined {
  if (!isEndToEnd(name)) return "hop-by-hop, framing and Fn-* headers are hotfn's to set";
  if (HOTFN_ANSWER.has(name.toLowerCase())) return "hotfn sets this header itself";
  return undefined;
}

/**
 * The env name suffix (`FN_HEADER_<suffix>`) of a caller header, or undefined when the header does
 * not go to the environment. Rule (as CGI's, RFC 3875 §4.1.18): letters upper-cased, `-` becomes `_`;
 * a name with any other character (`_` included) is left out of the environment, so `X-Foo` and
 * `X_Foo` can never land on the same variable. Hot formats still pass such headers in their framing.
 */
export function headerEnvSuffix(name: string): string | undefined {
  if (!/^[A-Za-z0-9-]+$/.test(name)) return undefined;
  return name.toUpperCase().replaceAll("-", "_");
}
