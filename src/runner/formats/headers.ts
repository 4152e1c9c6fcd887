/**
 * Which headers cross between a caller and a function: hop-by-hop ones (RFC 9110 §7.6.1) and framing
 * ones never do — each side of hotfn frames its own messages.
 * @module
 */

const NOT_FORWARDED = new Set([
  "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
  "proxy-authenticate", "proxy-authorization", "content-length", "host",
]);

/** True when a header named `name` may be passed on (request to function, or answer to caller). */
export function forwardable(name: string): boolean {
  return !NOT_FORWARDED.has(name.toLowerCase());
}
