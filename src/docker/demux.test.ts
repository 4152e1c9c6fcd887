import { describe, expect, it } from "bun:test";
import { createDemuxer } from "./demux.ts";

function frame(stream: number, text: string): Uint8Array {
  const body = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + body.length);
  out[0] = stream;
  new DataView(out.buffer).setUint32(4, body.length);
  out.set(body, 8);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function run(chunks: Uint8Array[]) {
  let stdout = "";
  let stderr = "";
  const dec = new TextDecoder();
  const feed = createDemuxer({ stdout: (c) => (stdout += dec.decode(c)), stderr: (c) => (stderr += dec.decode(c)) });
  for (const c of chunks) feed(c);
  return { stdout, stderr };
}

describe("createDemuxer", () => {
  const bytes = concat([frame(1, "hello "), frame(2, "oops\n"), frame(1, "world"), frame(1, ""), frame(2, "more")]);

  it("separates stdout and stderr frames delivered in one chunk", () => {
    expect(run([bytes])).toEqual({ stdout: "hello world", stderr: "oops\nmore" });
  });

  it("gives the same result whatever the chunk boundaries, down to one byte at a time", () => {
    for (const size of [1, 2, 3, 7, 8, 9, 13]) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.slice(i, i + size));
      expect(run(chunks)).toEqual({ stdout: "hello world", stderr: "oops\nmore" });
    }
  });
});
