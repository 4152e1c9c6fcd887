/**
 * What a stdio hot format (`http`, `json`) is: how a call is written to the container's stdin and how
 * its answer is read back from stdout, incrementally, across arbitrary chunk boundaries.
 * @module
 */
import type { FunctionResponse, Invocation } from "../types.ts";

/** The function's output does not follow its format (or exceeds a size cap). Pure parsers throw it. */
export class FramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FramingError";
  }
}

/** Reads one answer from a byte stream. One parser per call. */
export interface ResponseParser {
  /**
   * Feeds the next stdout bytes. Returns null while the answer is incomplete; once complete, the answer
   * and the bytes after it (`rest`, to be fed to the next call's parser). Throws FramingError.
   */
  push(chunk: Uint8Array): { response: FunctionResponse; rest: Uint8Array } | null;
}

export interface Framing {
  /** "http" or "json", for messages */
  readonly name: string;
  /** The bytes that carry `inv` to the function; `deadline` is RFC 3339 UTC. */
  encode(inv: Invocation, deadline: string): Uint8Array;
  /** A parser for one answer, allowing at most `maxBody` bytes of response body. */
  parser(maxBody: number): ResponseParser;
}

/** True when `bytes` hold only whitespace: what may separate answers (a trailing newline, say). */
export function isBlank(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return false;
  return true;
}

export function concatBytes(parts: Uint8Array[], total?: number): Uint8Array {
  const out = new Uint8Array(total ?? parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
