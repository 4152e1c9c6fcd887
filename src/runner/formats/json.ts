/**
 * The `json` format's framing: each call is one JSON object on one line of stdin —
 * `{"call_id","content_type","body","protocol":{"type":"http","method","request_url","headers"}}`
 * (plus `deadline`, as Fn sent it) — and the function answers one JSON object on stdout,
 * `{"body","content_type","protocol":{"status_code","headers"}}`, on one line or pretty-printed.
 * Header values are text in JSON; they reach the caller as their UTF-8 bytes, checked by answer.ts.
 * @module
 */
import type { FunctionResponse, Invocation } from "../types.ts";
import { bodyFor, checkHeader, finalStatus, utf8ByteString } from "./answer.ts";
import { concatBytes, type Framing, FramingError, type ResponseParser } from "./framing.ts";
import { toCaller, toFunction } from "../../headers.ts";

/** Room for the JSON envelope and string escaping around a body of the maximum size. */
const ENVELOPE_BYTES = 64 * 1024;

const enc = new TextEncoder();
const dec = new TextDecoder();

export const jsonFraming: Framing = {
  name: "json",
  encode: encodeJsonRequest,
  parser: createJsonResponseParser,
};

/** One line of JSON carrying `inv` (JSON.stringify escapes every newline inside strings). */
export function encodeJsonRequest(inv: Invocation, deadline: string): Uint8Array {
  const headers: Record<string, string[]> = {};
  let contentType = "";
  for (const [name, value] of toFunction(inv.headers)) {
    (headers[name] ??= []).push(value);
    if (name.toLowerCase() === "content-type" && contentType === "") contentType = value;
  }
  const call = {
    call_id: inv.callId,
    content_type: contentType,
    deadline,
    body: dec.decode(inv.body),
    protocol: { type: "http", method: inv.method, request_url: inv.url, headers },
  };
  return enc.encode(`${JSON.stringify(call)}\n`);
}

/** Reads one JSON answer (scanner.ts finds its end) and turns it into a FunctionResponse. */
export function createJsonResponseParser(maxBody: number): ResponseParser {
  const scanner = createJsonScanner(maxBody * 2 + ENVELOPE_BYTES, `response larger than ${maxBody} bytes`);
  return {
    push(chunk) {
      const found = scanner.push(chunk);
      if (found === null) return null;
      return { response: toResponse(found.value, maxBody), rest: found.rest };
    },
  };
}

function toResponse(value: unknown, maxBody: number): FunctionResponse {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new FramingError("the answer is not a JSON object");
  const answer = value as { body?: unknown; content_type?: unknown; protocol?: { status_code?: unknown; headers?: unknown } };
  const body = enc.encode(answer.body === undefined || answer.body === null ? "" : typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body));
  if (body.length > maxBody) throw new FramingError(`response larger than ${maxBody} bytes`);
  const status = finalStatus(answer.protocol?.status_code ?? 200, "status_code");
  const headers: [string, string][] = [];
  const given = answer.protocol?.headers;
  if (given !== undefined && given !== null) {
    if (typeof given !== "object" || Array.isArray(given)) throw new FramingError("protocol.headers is not an object");
    for (const [name, values] of Object.entries(given)) {
      for (const v of Array.isArray(values) ? values : [values]) headers.push([name, headerValue(name, v)]);
    }
  }
  if (typeof answer.content_type === "string" && answer.content_type !== "" && !headers.some(([n]) => n.toLowerCase() === "content-type")) {
    headers.push(["Content-Type", headerValue("Content-Type", answer.content_type)]);
  }
  for (const [name, v] of headers) checkHeader(name, v);
  return { status, headers: toCaller(headers), body: bodyFor(status, body) };
}

/** A header value from JSON: a string, number or boolean, as the byte string of its UTF-8 text. */
function headerValue(name: string, value: unknown): string {
  if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
    throw new FramingError(`bad value for response header ${name}: ${JSON.stringify(value)?.slice(0, 80)}`);
  }
  return utf8ByteString(String(value));
}

/**
 * Finds where one JSON object ends in a byte stream: skips leading whitespace, then counts braces and
 * brackets outside strings (honouring escapes). Structural characters are ASCII, so scanning UTF-8
 * bytes is exact. Throws FramingError past `maxBytes` or on anything but an object.
 */
export function createJsonScanner(maxBytes: number, tooLarge = `response larger than ${maxBytes} bytes`) {
  const parts: Uint8Array[] = [];
  let size = 0;
  let started = false;
  let depth = 0;
  let inString = false;
  let escaped = false;

  return {
    push(chunk: Uint8Array): { value: unknown; rest: Uint8Array } | null {
      let i = 0;
      if (!started) {
        while (i < chunk.length && (chunk[i] === 0x20 || chunk[i] === 0x0a || chunk[i] === 0x0d || chunk[i] === 0x09)) i++;
        if (i === chunk.length) return null;
        if (chunk[i] !== 0x7b) throw new FramingError(`expected a JSON object, got ${JSON.stringify(dec.decode(chunk.subarray(i, i + 40)))}`);
        started = true;
        chunk = chunk.subarray(i);
        i = 0;
      }
      for (; i < chunk.length; i++) {
        const c = chunk[i]!;
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 0x5c) escaped = true;
          else if (c === 0x22) inString = false;
        } else if (c === 0x22) inString = true;
        else if (c === 0x7b || c === 0x5b) depth++;
        else if (c === 0x7d || c === 0x5d) {
          depth--;
          if (depth === 0) {
            parts.push(chunk.subarray(0, i + 1));
            const text = dec.decode(concatBytes(parts));
            try {
              return { value: JSON.parse(text), rest: chunk.slice(i + 1) };
            } catch (err) {
              throw new FramingError(`the answer is not valid JSON: ${(err as Error).message}`);
            }
          }
        }
      }
      size += chunk.length;
      if (size > maxBytes) throw new FramingError(tooLarge);
      parts.push(chunk.slice());
      return null;
    },
  };
}
