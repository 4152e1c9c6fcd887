import { describe, expect, it } from "bun:test";
import { FramingError } from "./framing.ts";
import { listenerAnswer } from "./http-stream.ts";

const body = new TextEncoder().encode("hello");
const answer = (headers: Record<string, string>, status = 200) => listenerAnswer(new Response(null, { status, headers }), body);

describe("listenerAnswer", () => {
  it("takes the status from Fn-Http-Status and headers from Fn-Http-H-*, dropping the listener's own and Fn-*", () => {
    const res = answer({ "Fn-Http-Status": "201", "Fn-Http-H-X-A": "1", "Content-Type": "text/plain", "Fn-Call-Id": "spoofed", "Fn-Http-H-Fn-Call-Id": "spoofed", Date: "x" });
    expect(res.status).toBe(201);
    expect(Object.fromEntries(res.headers.map(([k, v]) => [k.toLowerCase(), v]))).toEqual({ "x-a": "1", "content-type": "text/plain" });
    expect(new TextDecoder().decode(res.body)).toBe("hello");
  });

  it("keeps a 502 or 504 of the listener's own", () => {
    expect(answer({ "Fn-Http-Status": "200" }, 502).status).toBe(502);
  });

  it("rejects an Fn-Http-Status outside 200–599 or not a number", () => {
    for (const bad of ["600", "100", "99", "abc", "2000", ""]) expect(() => answer({ "Fn-Http-Status": bad })).toThrow(FramingError);
  });

  it("gives no body with 204, 205 and 304", () => {
    for (const status of ["204", "205", "304"]) expect(answer({ "Fn-Http-Status": status }).body.length).toBe(0);
  });
});
