/**
 * What a function's answer may carry to its caller, checked by every format so that nothing a
 * function writes can make hotfn's own HTTP answer fail: a final status 200–599 (the range a Fetch
 * `Response` accepts), header names that are HTTP tokens, header values that are byte strings
 * without CR, LF or NUL — and no body with 204, 205 or 304.
 * @module
 */
import { FramingError } from "./framing.ts";

/** RFC 9110 §5.6.2 token: what a header name is made of. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/**
 * RFC 9110 §5.5: CR, LF and NUL are never valid in a field value (a recipient must reject them);
 * other control bytes may be kept. Past U+00FF a value is no byte string and `Headers` throws.
 */
const BAD_VALUE = /[\0\r\n\u0100-\uffff]/;

/** Statuses whose answers have no content (RFC 9110 §15.3.5, §15.3.6, §15.4.5). */
const NO_CONTENT = new Set([204, 205, 304]);

const EMPTY = new Uint8Array(0);

/** True for a status a caller may receive as the final answer. */
export function isFinalStatus(status: number): boolean {
  return Number.isInteger(status) && status >= 200 && status <= 599;
}

/** `status` if it is a final status; FramingError otherwise (1xx included: not a final answer). */
export function finalStatus(status: unknown, what = "status"): number {
  if (typeof status !== "number" || !isFinalStatus(status)) throw new FramingError(`bad ${what} ${JSON.stringify(status)} (expected 200–599)`);
  return status;
}

/** Throws FramingError unless `name: value` can be sent to a caller as it is. */
export function checkHeader(name: string, value: string): void {
  if (!TOKEN.test(name)) throw new FramingError(`bad response header name ${JSON.stringify(name.slice(0, 80))}`);
  if (BAD_VALUE.test(value)) throw new FramingError(`bad value for response header ${name}: ${JSON.stringify(value.slice(0, 80))}`);
}

/** The body the caller gets with `status`: none for 204, 205 and 304, whatever the function sent. */
export function bodyFor(status: number, body: Uint8Array): Uint8Array {
  return NO_CONTENT.has(status) ? EMPTY : body;
}

/** True when answers with `status` end at their head on the wire (RFC 9112 §6.3: 204 and 304). */
export function endsAtHead(status: number): boolean {
  return status === 204 || status === 304;
}

/**
 * A text value as the byte string that carries its UTF-8 bytes (one char per byte), as a Go or C
 * function would put it on the wire. ASCII is unchanged.
 */
export function utf8ByteString(value: string): string {
  if (/^[\x00-\x7f]*$/.test(value)) return value;
  let out = "";
  for (const byte of new TextEncoder().encode(value)) out += String.fromCharCode(byte);
  return out;
}
