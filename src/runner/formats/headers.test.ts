import { describe, expect, it } from "bun:test";
import { crossing, forwardable } from "./headers.ts";

describe("crossing", () => {
  it("keeps end-to-end headers in order, with repeats, and drops the ones that never cross", () => {
    const given: [string, string][] = [
      ["Content-Type", "text/plain"], ["X-A", "1"], ["Connection", "keep-alive, X-Private"], ["X-Private", "p"], ["Keep-Alive", "5"],
      ["Transfer-Encoding", "chunked"], ["Content-Length", "3"], ["Host", "h"], ["Expect", "100-continue"], ["TE", "trailers"],
      ["Fn-Call-Id", "spoofed"], ["fn_call_id", "spoofed"], ["FN-HTTP-H-X", "1"], ["Fn_deadline", "x"], ["X-A", "2"], ["Fnord", "kept"],
    ];
    expect(crossing(given)).toEqual([["Content-Type", "text/plain"], ["X-A", "1"], ["X-A", "2"], ["Fnord", "kept"]]);
    expect(crossing(crossing(given))).toEqual(crossing(given));
  });

  it("forwardable judges a name alone", () => {
    expect(["expect", "EXPECT", "fn-x", "Fn_X", "upgrade", "proxy-authorization"].map(forwardable)).toEqual([false, false, false, false, false, false]);
    expect(["x-fn-thing", "fnord", "authorization", "cookie"].map(forwardable)).toEqual([true, true, true, true]);
  });
});
