/**
 * The `http` format's answer parser on a 60 KB head (status line and ~1,500 headers, then a short
 * body), fed in one read, in 1 KiB chunks, and a byte at a time: the time per answer and per byte.
 * A linear parser costs about the same however the bytes arrive; a quadratic one does not.
 *
 *   bun bench/http-head.ts            # --kib 60 --rounds 20
 */
import { parseArgs } from "node:util";
import { createHttpResponseParser } from "../src/runner/formats/http.ts";

const { values } = parseArgs({ options: { kib: { type: "string", default: "60" }, rounds: { type: "string", default: "20" } } });
const kib = Number(values.kib);
const rounds = Number(values.rounds);

const lines = ["HTTP/1.1 200 OK"];
while (lines.join("\r\n").length < kib * 1024 - 64) lines.push(`X-Header-${lines.length}: ${"v".repeat(24)}`);
const bytes = new TextEncoder().encode(`${lines.join("\r\n")}\r\nContent-Length: 2\r\n\r\nok`);

function parseIn(chunkSize: number): void {
  const parser = createHttpResponseParser(1024);
  for (let at = 0; at < bytes.length; at += chunkSize) {
    const done = parser.push(bytes.subarray(at, at + chunkSize));
    if (done) {
      if (done.response.headers.length < lines.length - 1) throw new Error("lost headers");
      return;
    }
  }
  throw new Error("no answer");
}

const rows: string[][] = [];
for (const [label, size] of [["one read", bytes.length], ["1 KiB chunks", 1024], ["a byte at a time", 1]] as const) {
  parseIn(size); // warm up
  const began = performance.now();
  for (let i = 0; i < rounds; i++) parseIn(size);
  const ms = (performance.now() - began) / rounds;
  rows.push([label, String(Math.ceil(bytes.length / size)), ms.toFixed(2), ((ms * 1e6) / bytes.length).toFixed(1)]);
}

console.log(`head of ${bytes.length} bytes, ${rounds} rounds each`);
console.log("| fed as | pushes | ms per answer | ns per byte |");
console.log("| --- | --- | --- | --- |");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
