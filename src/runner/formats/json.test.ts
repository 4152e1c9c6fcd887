import { describe, expect, it } from "bun:test";
import type { Invocation } from "../types.ts";
import { createJsonResponseParser, createJsonScanner, encodeJsonRequest } from "./json.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function feed(text: string, size: number, max = 1000) {
  const parser = createJsonResponseParser(max);
  const bytes = enc.encode(text);
  for (let i = 0; i < bytes.length; i += size) {
    const done = parser.push(bytes.slice(i, i + size));
    if (done) return done;
  }
  return null;
}

const ONE_LINE = '{"body":"he said \\"}{\\" ok é","content_type":"text/plain","protocol":{"status_code":202,"headers":{"X-A":["1","2"],"Connection":["x"]}}}\n';
const PRETTY = JSON.stringify(JSON.parse(ONE_LINE), null, 2);

describe("createJsonResponseParser", () => {
  for (const [name, text] of [["one-line", ONE_LINE], ["pretty-printed", PRETTY]] as const) {
    it(`reads a ${name} answer split into chunks of any size`, () => {
      for (const size of [1, 2, 3, 5, 17, 1000]) {
        const done = feed(text, size);
        expect(done?.response.status).toBe(202);
        expect(dec.decode(done?.response.body)).toBe('he said "}{" ok é');
        expect(done?.response.headers).toEqual([["X-A", "1"], ["X-A", "2"], ["Content-Type", "text/plain"]]);
      }
    });
  }

  it("defaults to 200 and an empty body, and returns what follows the object", () => {
    const parser = createJsonResponseParser(100);
    const done = parser.push(enc.encode('\n  {"protocol":{}}\n{"next"'));
    expect(done?.response).toEqual({ status: 200, headers: [], body: new Uint8Array() });
    expect(dec.decode(done?.rest)).toBe('\n{"next"');
  });

  it("rejects garbage, non-objects, bad status codes and oversized bodies", () => {
    expect(() => feed("}{ not json\n", 100)).toThrow(/expected a JSON object/);
    expect(() => feed("[1,2]", 100)).toThrow(/expected a JSON object/);
    expect(() => feed('{"a":tru}', 100)).toThrow(/not valid JSON/);
    expect(() => feed('{"protocol":{"status_code":"ok"}}', 100)).toThrow(/status_code/);
    expect(() => feed(`{"body":"${"x".repeat(200)}"}`, 100, 100)).toThrow("response larger than 100 bytes");
    expect(() => feed(`{"body":"${"x".repeat(300000)}`, 4096, 100)).toThrow("response larger than 100 bytes");
  });
});

describe("createJsonScanner", () => {
  it("ignores braces inside strings and escaped quotes", () => {
    const scanner = createJsonScanner(1000);
    expect(scanner.push(enc.encode('{"a":"\\\\"'))).toBeNull();
    expect(scanner.push(enc.encode(',"b":"}\\"}"}'))?.value).toEqual({ a: "\\", b: '}"}' });
  });
});

describe("encodeJsonRequest", () => {
  it("writes one line with the call, the body as a string and headers as lists", () => {
    const inv: Invocation = {
      callId: "c1", app: {} as Invocation["app"], route: {} as Invocation["route"], params: {}, method: "POST", url: "http://h/r/a/b",
      headers: [["Content-Type", "text/plain"], ["X-A", "1"], ["X-A", "2"], ["Connection", "close"]], body: enc.encode("line1\nline2"), priority: "sync",
    };
    const text = dec.decode(encodeJsonRequest(inv, "2030-01-01T00:00:00.000Z"));
    expect(text.indexOf("\n")).toBe(text.length - 1);
    expect(JSON.parse(text)).toEqual({
      call_id: "c1", content_type: "text/plain", deadline: "2030-01-01T00:00:00.000Z", body: "line1\nline2",
      protocol: { type: "http", method: "POST", request_url: "http://h/r/a/b", headers: { "Content-Type": ["text/plain"], "X-A": ["1", "2"] } },
    });
  });
});
