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

describe("createJsonResponseParser checks what reaches the caller", () => {
  it("rejects status codes outside 200–599, bad header names and values", () => {
    const cases: [unknown, RegExp][] = [
      [{ protocol: { status_code: 100 } }, /bad status_code 100/],
      [{ protocol: { status_code: 600 } }, /bad status_code 600/],
      [{ protocol: { status_code: 200.5 } }, /bad status_code/],
      [{ protocol: { headers: { "X Bad": ["1"] } } }, /bad response header name/],
      [{ protocol: { headers: { "X-Bad": ["a\r\nSet-Cookie: x"] } } }, /bad value for response header X-Bad/],
      [{ protocol: { headers: { "X-Bad": ["a\u0000"] } } }, /bad value for response header X-Bad/],
      [{ protocol: { headers: { "X-Bad": [{ nested: 1 }] } } }, /bad value for response header X-Bad/],
      [{ protocol: { headers: ["X-A"] } }, /protocol.headers is not an object/],
      [{ content_type: "text/plain\r\nX: 1" }, /bad value for response header Content-Type/],
    ];
    for (const [answer, message] of cases) expect(() => feed(JSON.stringify(answer), 1000)).toThrow(message);
  });

  it("sends text header values as their UTF-8 bytes, drops Fn- headers and gives 204/205/304 no body", () => {
    const done = feed(JSON.stringify({ body: "ignored", protocol: { status_code: 204, headers: { "X-Name": "café €", "X-N": 1, "Fn-Call-Id": "spoofed" } } }), 1000);
    expect(done?.response.status).toBe(204);
    expect(done?.response.body.length).toBe(0);
    expect(done?.response.headers).toEqual([["X-Name", "caf\u00c3\u00a9 \u00e2\u0082\u00ac"], ["X-N", "1"]]);
    expect(() => new Response(null, { status: 204, headers: done?.response.headers })).not.toThrow();
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
  it("drops caller headers named Fn-* / Fn_* and Expect", () => {
    const inv: Invocation = {
      callId: "c1", app: {} as Invocation["app"], route: {} as Invocation["route"], params: {}, method: "POST", url: "http://h/r/a/b",
      headers: [["Fn_call_id", "x"], ["fn-deadline", "y"], ["Expect", "100-continue"], ["X-A", "1"]], body: new Uint8Array(0), priority: "sync",
    };
    expect(JSON.parse(dec.decode(encodeJsonRequest(inv, "2030-01-01T00:00:00.000Z"))).protocol.headers).toEqual({ "X-A": ["1"] });
  });


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
