/**
 * Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, so they are never forwarded
 * between the caller and a function, in either direction. Content-Length is recomputed too.
 * @module
 */

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "content-length",
  "host",
]);

/** The headers that may cross from one HTTP hop to the next, including any named in `Connection`. */
export function endToEnd(headers: Iterable<[string, string]>): [string, string][] {
  const list = [...headers];
  const named = new Set(
    list
      .filter(([k]) => k.toLowerCase() === "connection")
      .flatMap(([, v]) => v.split(","))
      .map((s) => s.trim().toLowerCase()),
  );
  return list.filter(([k]) => !HOP_BY_HOP.has(k.toLowerCase()) && !named.has(k.toLowerCase()));
}
