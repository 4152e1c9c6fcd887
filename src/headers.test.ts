import { describe, expect, it } from "bun:test";
import { headerEnvSuffix, isEndToEnd, routeHeaderProblem, toCaller, toFunction } from "./headers.ts";

describe("toFunction / toCaller", () => {
  it("keep end-to-end headers in order, with repeats, and drop the ones that never cross", () => {
    const given: [string, string][] = [
      ["Content-Type", "text/plain"], ["X-A", "1"], ["Connection", "keep-alive, X-Private"], ["X-Private", "p"], ["Keep-Alive", "5"],
      ["Transfer-Encoding", "chunked"], ["Content-Length", "3"], ["Host", "h"], ["Expect", "100-continue"], ["TE", "trailers"],
      ["Fn-Call-Id", "spoofed"], ["fn_call_id", "spoofed"], ["FN-HTTP-H-X", "1"], ["Fn_deadline", "x"], ["X-A", "2"], ["Fnord", "kept"],
    ];
    const kept: [string, string][] = [["Content-Type", "text/plain"], ["X-A", "1"], ["X-A", "2"], ["Fnord", "kept"]];
    expect(toFunction(given)).toEqual(kept);
    expect(toCaller(given)).toEqual(kept);
    expect(toFunction(toFunction(given))).toEqual(kept);
  });

  it("isEndToEnd judges a name alone", () => {
    expect(["expect", "EXPECT", "fn-x", "Fn_X", "upgrade", "proxy-authorization"].map(isEndToEnd)).toEqual([false, false, false, false, false, false]);
    expect(["x-fn-thing", "fnord", "authorization", "cookie"].map(isEndToEnd)).toEqual([true, true, true, true]);
  });
});

describe("routeHeaderProblem", () => {
  it("refuses what hotfn sets itself and what never crosses, accepts the rest", () => {
    for (const name of ["Fn-Call-Id", "FN_CALL_ID", "Connection", "Content-Length", "X-Request-Id", "Retry-After", "WWW-Authenticate"]) {
      expect(routeHeaderProblem(name), name).toBeString();
    }
    for (const name of ["Cache-Control", "X-Frame-Options", "Access-Control-Allow-Origin"]) expect(routeHeaderProblem(name), name).toBeUndefined();
  });
});

describe("headerEnvSuffix", () => {
  it("upper-cases and turns - into _, and leaves out names that could collide", () => {
    expect(headerEnvSuffix("X-Foo")).toBe("X_FOO");
    expect(headerEnvSuffix("content-type")).toBe("CONTENT_TYPE");
    expect(headerEnvSuffix("X_Foo")).toBeUndefined();
    expect(headerEnvSuffix("X.Foo")).toBeUndefined();
  });
});
