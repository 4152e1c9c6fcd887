/**
 * The one list of headers that never cross between a caller and a function, in either direction:
 * hop-by-hop ones (RFC 9110 §7.6.1, plus any the Connection header names), framing ones (each side
 * of hotfn frames its own messages), `Expect` (a function's HTTP server could answer `100 Continue`
 * into the framing), and hotfn's own `Fn-*` / `Fn_*` (so a caller cannot spoof the call id, deadline
 * or the http-stream `Fn-Http-*` envelope, and a function cannot spoof the `Fn-Call-Id` hotfn answers).
 * @module
 */

const NEVER = new Set([
  "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
  "proxy-authenticate", "proxy-authorization", "content-length", "host", "expect",
]);

/** Names hotfn itself uses to talk to functions and callers (Fn_call_id, Fn-Deadline, Fn-Http-H-…). */
const HOTFN_OWN = /^fn[-_]/i;

/** True when a header named `name` may be passed on (request to function, or answer to caller). */
export function forwardable(name: string): boolean {
  return !NEVER.has(name.toLowerCase()) && !HOTFN_OWN.test(name);
}

/**
 * The headers of one message that may cross to the other side: `forwardable` ones not named in its
 * `Connection` header. Order and repeated names are kept. Idempotent, so each layer may apply it.
 */
export function crossing(headers: Iterable<[string, string]>): [string, string][] {
  const list = [...headers];
  const named = new Set(
    list
      .filter(([name]) => name.toLowerCase() === "connection")
      .flatMap(([, value]) => value.split(","))
      .map((s) => s.trim().toLowerCase()),
  );
  return list.filter(([name]) => forwardable(name) && !named.has(name.toLowerCase()));
}
