import { describe, expect, it } from "bun:test";
import type { Invocation } from "../types.ts";
import { FramingError } from "./framing.ts";
import { createHttpResponseParser, encodeHttpRequest } from "./http.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Feeds `bytes` in pieces cut at `cuts`; returns the first completed answer and its rest. */
function parse(bytes: Uint8Array, cuts: number[], max = 1000) {
  const parser = createHttpResponseParser(max);
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    const done = parser.push(bytes.slice(from, to));
    from = to;
    if (done) return { ...done, tail: bytes.slice(from) };
  }
  return null;
}

const RESPONSE = "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nX-A: 1\r\nX-A: 2\r\nConnection: keep-alive\r\nContent-Length: 11\r\n\r\nhello world";

describe("createHttpResponseParser", () => {
  it("parses status, headers (hop-by-hop dropped) and body", () => {
    const done = parse(enc.encode(RESPONSE), []);
    expect(done?.response.status).toBe(201);
    expect(done?.response.headers).toEqual([["Content-Type", "text/plain"], ["X-A", "1"], ["X-A", "2"]]);
    expect(dec.decode(done?.response.body)).toBe("hello world");
    expect(done?.rest.length).toBe(0);
  });

  it("gives the same answer for every split point, including inside CRLFCRLF and the status line", () => {
    const bytes = enc.encode(RESPONSE);
    for (let i = 1; i < bytes.length; i++) {
      const done = parse(bytes, [i]);
      expect(done?.response.status).toBe(201);
      expect(dec.decode(done?.response.body)).toBe("hello world");
    }
    const oneByOne = parse(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1));
    expect(dec.decode(oneByOne?.response.body)).toBe("hello world");
  });

  it("reads an answer that arrives a byte at a time, interim answer and all", () => {
    const bytes = enc.encode("\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\nX-A: 1\r\nContent-Length: 3\r\n\r\nabcNEXT");
    const got = parse(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1));
    expect(got?.response.status).toBe(201);
    expect(got?.response.headers).toEqual([["X-A", "1"]]);
    expect(dec.decode(got?.response.body)).toBe("abc");
    expect(dec.decode(got?.rest)).toBe("");
    expect(dec.decode(got?.tail)).toBe("NEXT");
  });

  it("returns the bytes after the answer, for the next call", () => {
    const done = parse(enc.encode(`${RESPONSE}HTTP/1.1 200 OK\r\n`), [30]);
    expect(dec.decode(done?.rest)).toBe("HTTP/1.1 200 OK\r\n");
  });

  it("skips blank lines before the status line and accepts bare LF", () => {
    const done = parse(enc.encode("\r\n\nHTTP/1.0 200 OK\nContent-Length: 2\n\nok"), [1, 3]);
    expect(done?.response.status).toBe(200);
    expect(dec.decode(done?.response.body)).toBe("ok");
  });

  it("handles an empty body", () => {
    expect(parse(enc.encode("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"), [])?.response.status).toBe(204);
  });

  it("rejects what is not HTTP, a missing Content-Length, chunked answers and oversized bodies", () => {
    const cases: [string, RegExp][] = [
      ["this is not an HTTP response\r\n\r\n", /status line/],
      ["HTTP/1.1 200 OK\r\n\r\n", /no Content-Length/],
      ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", /Content-Length/],
      ["HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n", /response larger than 1000 bytes/],
      ["HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", /bad Content-Length/],
      ["HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 1\r\n\r\n", /bad response header/],
    ];
    for (const [text, message] of cases) expect(() => parse(enc.encode(text), [])).toThrow(message);
  });

  it("skips interim 1xx answers before the final one, wherever the chunks are cut", () => {
    const bytes = enc.encode(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n${RESPONSE}`);
    for (let i = 1; i < bytes.length; i += 7) {
      const done = parse(bytes, [i]);
      expect(done?.response.status).toBe(201);
      expect(done?.response.headers).toEqual([["Content-Type", "text/plain"], ["X-A", "1"], ["X-A", "2"]]);
      expect(dec.decode(done?.response.body)).toBe("hello world");
    }
  });

  it("rejects statuses a caller cannot be answered with, header names that are not tokens and values with CR or NUL", () => {
    const cases: [string, RegExp][] = [
      ["HTTP/1.1 600 Too Far\r\nContent-Length: 0\r\n\r\n", /bad status 600/],
      ["HTTP/1.1 099 Low\r\nContent-Length: 0\r\n\r\n", /bad status 99/],
      ["HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", /bad status 101/],
      ["HTTP/1.1 200 OK\r\nX Bad: 1\r\nContent-Length: 0\r\n\r\n", /bad response header name/],
      ["HTTP/1.1 200 OK\r\nX-Bad: a\rb\r\nContent-Length: 0\r\n\r\n", /bad value for response header X-Bad/],
      ["HTTP/1.1 200 OK\r\nX-Bad: a\0b\r\nContent-Length: 0\r\n\r\n", /bad value for response header X-Bad/],
    ];
    for (const [text, message] of cases) expect(() => parse(enc.encode(text), [])).toThrow(message);
  });

  it("ends 204 and 304 at their head and gives no body with 204, 205 and 304", () => {
    const noLength = parse(enc.encode("HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\nHTTP/1.1 200"), []);
    expect(noLength?.response).toEqual({ status: 204, headers: [["X-A", "1"]], body: new Uint8Array(0) });
    expect(dec.decode(noLength?.rest)).toBe("HTTP/1.1 200");
    // A 304's Content-Length describes the representation, not a body that follows.
    const notModified = parse(enc.encode("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"), []);
    expect(notModified?.response.body.length).toBe(0);
    expect(notModified?.rest.length).toBe(0);
    // A 204 that declares a body anyway is framed by it, so the next answer still parses; the body goes.
    const slip = parse(enc.encode("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 200"), []);
    expect(slip?.response.body.length).toBe(0);
    expect(dec.decode(slip?.rest)).toBe("HTTP/1.1 200");
    // 205 is framed by its Content-Length like any answer, and what it carried is dropped.
    const reset = parse(enc.encode("HTTP/1.1 205 Reset Content\r\nContent-Length: 3\r\n\r\nabc"), [20]);
    expect(reset?.response.body.length).toBe(0);
    expect(reset?.rest.length).toBe(0);
  });

  it("passes header bytes through as they were sent (Latin-1), and drops hotfn's own Fn- headers", () => {
    const head = enc.encode("HTTP/1.1 200 OK\r\nX-Name: caf\u00e9 \u20ac\r\nFn-Call-Id: spoofed\r\nFn_deadline: x\r\nContent-Length: 0\r\n\r\n");
    const done = parse(head, []);
    // The UTF-8 bytes of "café €", one char per byte: what Headers puts back on the wire unchanged.
    expect(done?.response.headers).toEqual([["X-Name", "caf\u00c3\u00a9 \u00e2\u0082\u00ac"]]);
    expect(() => new Headers(done?.response.headers)).not.toThrow();
  });

  it("rejects a head that never ends", () => {
    const parser = createHttpResponseParser(10);
    expect(() => {
      for (let i = 0; i < 100; i++) parser.push(enc.encode("X".repeat(1024)));
    }).toThrow(FramingError);
  });
});

describe("encodeHttpRequest", () => {
  it("drops caller headers that could spoof hotfn's Fn_ headers or make the function send 100 Continue", () => {
    const inv: Invocation = {
      callId: "real", app: {} as Invocation["app"], route: {} as Invocation["route"], params: {}, method: "POST", url: "http://h/r/a",
      headers: [["Fn_call_id", "spoofed"], ["FN-DEADLINE", "x"], ["fn_param_id", "1"], ["Expect", "100-continue"], ["Connection", "X-Hop"], ["X-Hop", "1"], ["X-Kept", "1"]],
      body: new Uint8Array(0), priority: "sync",
    };
    const lines = dec.decode(encodeHttpRequest(inv, "2030-01-01T00:00:00.000Z")).split("\r\n");
    expect(lines.filter((l) => /^fn[-_]/i.test(l))).toEqual(["Fn_call_id: real", "Fn_method: POST", "Fn_request_url: http://h/r/a", "Fn_deadline: 2030-01-01T00:00:00.000Z"]);
    expect(lines).toContain("X-Kept: 1");
    expect(lines.some((l) => /^(expect|x-hop|connection):/i.test(l))).toBe(false);
  });


  it("writes the request line, caller headers, the Fn_ headers and Content-Length", () => {
    const inv: Invocation = {
      callId: "c1", app: {} as Invocation["app"], route: {} as Invocation["route"], params: { id: "4\r\n2" },
      method: "PUT", url: "http://h:8080/r/a/users/42?q=1", headers: [["X-Thing", "v"], ["Content-Length", "999"], ["Connection", "close"]],
      body: enc.encode("héllo"), priority: "sync",
    };
    const text = dec.decode(encodeHttpRequest(inv, "2030-01-01T00:00:00.000Z"));
    expect(text).toBe(
      [
        "PUT /r/a/users/42?q=1 HTTP/1.1", "Host: h:8080", "X-Thing: v", "Fn_call_id: c1", "Fn_method: PUT",
        "Fn_request_url: http://h:8080/r/a/users/42?q=1", "Fn_deadline: 2030-01-01T00:00:00.000Z", "Fn_param_id: 4  2",
        "Content-Length: 6", "", "héllo",
      ].join("\r\n"),
    );
  });
});
