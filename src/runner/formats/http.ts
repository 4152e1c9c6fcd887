/**
 * The `http` format's framing: each call is one HTTP/1.1 request written to the container's stdin
 * (Content-Length always set; the caller's headers that may cross (headers.ts) plus Fn_call_id,
 * Fn_method, Fn_request_url, Fn_deadline and Fn_param_<name>); the function answers one HTTP/1.1
 * response on stdout, which must carry Content-Length (204 and 304 end at their head). Interim 1xx
 * answers are skipped. Its status and headers reach the caller, checked by answer.ts.
 * @module
 */
import { clean } from "../contract.ts";
import type { FunctionResponse, Invocation } from "../types.ts";
import { bodyFor, checkHeader, endsAtHead, finalStatus } from "./answer.ts";
import { concatBytes, type Framing, FramingError, type ResponseParser } from "./framing.ts";
import { toCaller, toFunction } from "../../headers.ts";

/** Longest status line plus headers accepted from a function. */
export const MAX_HEAD_BYTES = 64 * 1024;

const enc = new TextEncoder();

export const httpFraming: Framing = {
  name: "http",
  encode: encodeHttpRequest,
  parser: createHttpResponseParser,
};

/** One HTTP/1.1 request carrying `inv`, bytes ready for stdin. */
export function encodeHttpRequest(inv: Invocation, deadline: string): Uint8Array {
  let target = "/";
  let host = "localhost";
  try {
    const url = new URL(inv.url);
    target = `${url.pathname}${url.search}`;
    host = url.host;
  } catch {
    // not an absolute URL: the function still gets it whole in Fn_request_url
  }
  const lines = [`${inv.method} ${target} HTTP/1.1`, `Host: ${host}`];
  // hotfn's own Fn_* lines come after the caller's, which can therefore not carry any (headers.ts).
  for (const [name, value] of toFunction(inv.headers)) lines.push(`${name}: ${clean(value)}`);
  lines.push(`Fn_call_id: ${inv.callId}`, `Fn_method: ${inv.method}`, `Fn_request_url: ${clean(inv.url)}`, `Fn_deadline: ${deadline}`);
  for (const [name, value] of Object.entries(inv.params)) lines.push(`Fn_param_${name.replace(/[^A-Za-z0-9_-]/g, "_")}: ${clean(value)}`);
  lines.push(`Content-Length: ${inv.body.length}`, "", "");
  return concatBytes([enc.encode(lines.join("\r\n")), inv.body]);
}

/**
 * Parses one HTTP/1.1 response from chunks. Leading blank lines are skipped (RFC 9112 §2.2); bare LF
 * line ends are accepted; interim 1xx responses before the final one are skipped (RFC 9110 §15.2).
 * Requires Content-Length (a hot container cannot signal the end by closing), except for 204 and 304,
 * which have no body (RFC 9112 §6.3). The head is read as Latin-1: header bytes reach the caller as sent.
 */
export function createHttpResponseParser(maxBody: number): ResponseParser {
  // The head grows in place (capacity doubling) and each push scans only what it added, so a head
  // that arrives a byte at a time costs what it costs in one read: linear, not quadratic.
  let head = new Uint8Array(1024);
  let length = 0;
  /** where the head proper starts, once blank lines before it are skipped */
  let start = 0;
  /** where the search for the blank line resumes */
  let scanned = 0;
  let response: FunctionResponse | null = null;
  let body: Uint8Array = new Uint8Array(0);
  let filled = 0;

  const append = (chunk: Uint8Array) => {
    if (length + chunk.length > head.length) {
      const grown = new Uint8Array(Math.max(head.length * 2, length + chunk.length));
      grown.set(head.subarray(0, length));
      head = grown;
    }
    head.set(chunk, length);
    length += chunk.length;
  };
  /** Keeps only head[from, length): what follows the head just parsed (an interim answer's, or the body's first bytes). */
  const restart = (from: number) => {
    const rest = head.slice(from, length);
    head = new Uint8Array(Math.max(1024, rest.length));
    head.set(rest);
    length = rest.length;
    start = 0;
    scanned = 0;
  };
  const finish = (rest: Uint8Array) => ({ response: { ...response!, body: bodyFor(response!.status, body) }, rest });

  return {
    push(chunk) {
      if (response === null) {
        append(chunk);
        for (;;) {
          // RFC 9112 §2.2: a recipient SHOULD ignore at least one empty line before the status line.
          while (start < length && (head[start] === 0x0d || head[start] === 0x0a)) start++;
          const end = headEnd(head, Math.max(start, scanned), length);
          if (end === null) {
            // The blank line may straddle this push and the next: look again from two bytes back.
            scanned = Math.max(start, length - 2);
            if (length - start > MAX_HEAD_BYTES) throw new FramingError(`response head longer than ${MAX_HEAD_BYTES} bytes`);
            return null;
          }
          const parsed = parseHead(latin1(head.subarray(start, end.headEnd)), maxBody);
          restart(end.bodyStart);
          if (parsed === "interim") continue;
          response = parsed.response;
          body = new Uint8Array(parsed.length);
          chunk = head.subarray(0, length);
          break;
        }
      }
      const take = Math.min(body.length - filled, chunk.length);
      body.set(chunk.subarray(0, take), filled);
      filled += take;
      return filled === body.length ? finish(chunk.slice(take)) : null;
    },
  };
}

/** Where the head in buf[.., length) ends (at the blank line) and the body starts, or null when not seen yet. */
function headEnd(buf: Uint8Array, from: number, length: number): { headEnd: number; bodyStart: number } | null {
  for (let i = from; i < length; i++) {
    if (buf[i] !== 0x0a) continue;
    if (i + 1 < length && buf[i + 1] === 0x0a) return { headEnd: i, bodyStart: i + 2 };
    if (i + 2 < length && buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return { headEnd: i, bodyStart: i + 3 };
  }
  return null;
}

/** Bytes as chars of the same code (ISO-8859-1). TextDecoder's "latin1" is windows-1252: 0x80 → €. */
function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1");
}

/** A parsed head: the answer (body still empty) and its body length, or "interim" for a 1xx to skip. */
function parseHead(text: string, maxBody: number): { response: FunctionResponse; length: number } | "interim" {
  const [statusLine = "", ...lines] = text.split(/\r?\n/);
  const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(statusLine.trimEnd());
  if (!m) throw new FramingError(`expected an HTTP/1.1 status line, got ${JSON.stringify(statusLine.slice(0, 80))}`);
  const code = Number(m[1]);
  // 101 Switching Protocols is no interim answer: it would hand the stream over.
  if (code >= 100 && code < 200 && code !== 101) return "interim";
  const status = finalStatus(code);
  const headers: [string, string][] = [];
  let length: number | undefined;
  for (const line of lines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon);
    if (colon <= 0) throw new FramingError(`bad response header line ${JSON.stringify(line.slice(0, 80))}`);
    const value = line.slice(colon + 1).trim();
    checkHeader(name, value);
    const lower = name.toLowerCase();
    if (lower === "content-length") {
      if (!/^\d+$/.test(value) || (length !== undefined && length !== Number(value))) throw new FramingError(`bad Content-Length ${JSON.stringify(value)}`);
      length = Number(value);
    } else if (lower === "transfer-encoding") {
      throw new FramingError("the response uses Transfer-Encoding; the http format needs Content-Length");
    } else {
      headers.push([name, value]);
    }
  }
  // RFC 9110 §8.6: a 204 has no body and a 304's Content-Length is the stored representation's, so
  // both end at their head. A 204 that declares a body anyway (a common slip in hand-written
  // functions) is framed by its Content-Length, to stay in step with the stream; the body is dropped.
  if (endsAtHead(status) && !(status === 204 && length)) {
    return { response: { status, headers: toCaller(headers), body: new Uint8Array(0) }, length: 0 };
  }
  if (length === undefined) throw new FramingError("the response has no Content-Length");
  if (length > maxBody) throw new FramingError(`response larger than ${maxBody} bytes`);
  return { response: { status, headers: toCaller(headers), body: new Uint8Array(0) }, length };
}
