/**
 * The bun template's helper (templates/bun/fn.ts) speaks http-stream as hotfn expects it: a socket
 * made as lsnr.sock.tmp and linked (relative) as lsnr.sock, `POST /call` with the Fn-Http-*
 * envelope in, Fn-Http-Status and Fn-Http-H-* out, a 502 (container kept) when the handler throws.
 * Over a real unix socket; the whole path through Docker is in test/build.test.ts.
 */
import { afterAll, describe, expect, it } from "bun:test";
import { lstatSync, mkdtempSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "./templates/bun/fn.ts";

const dir = mkdtempSync(join(tmpdir(), "hotfn-helper-"));
const servers: { stop(force?: boolean): unknown }[] = [];
afterAll(() => {
  for (const s of servers) s.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

function call(socket: string, headers: Record<string, string>, body?: string) {
  return fetch("http://localhost/call", { method: "POST", unix: socket, headers, body });
}

describe("the bun template's http-stream helper", () => {
  const socket = join(dir, "lsnr.sock");
  servers.push(
    serve(async (req) => {
      const url = new URL(req.url);
      return new Response(JSON.stringify({ method: req.method, path: url.pathname, q: url.searchParams.get("q"), who: req.headers.get("x-who"), body: await req.text() }), {
        status: url.pathname.endsWith("/missing") ? 404 : 200,
        headers: { "Content-Type": "application/json", "X-Answer": "42" },
      });
    }, `unix:${socket}`),
  );

  it("listens on lsnr.sock.tmp, linked as lsnr.sock by a relative link, open to other users", () => {
    expect(readlinkSync(socket)).toBe("lsnr.sock.tmp");
    expect(lstatSync(`${socket}.tmp`).isSocket()).toBe(true);
    expect(lstatSync(`${socket}.tmp`).mode & 0o777).toBe(0o666);
  });

  it("hands the handler the caller's request and returns its answer in the Fn-Http envelope", async () => {
    const res = await call(socket, { "Fn-Http-Method": "PUT", "Fn-Http-Request-Url": "http://h/r/app/fn?q=1", "Fn-Http-H-X-Who": "ada", "Fn-Call-Id": "c1" }, "payload");
    expect(res.status).toBe(200);
    expect(res.headers.get("Fn-Http-Status")).toBe("200");
    expect(res.headers.get("Fn-Http-H-X-Answer")).toBe("42");
    expect(res.headers.get("Content-Type")).toBe("application/json");
    expect(await res.json()).toEqual({ method: "PUT", path: "/r/app/fn", q: "1", who: "ada", body: "payload" });
  });

  it("passes the handler's own status as Fn-Http-Status, and sends no body to a GET handler", async () => {
    const res = await call(socket, { "Fn-Http-Method": "GET", "Fn-Http-Request-Url": "http://h/r/app/missing" }, "ignored");
    expect(res.status).toBe(200);
    expect(res.headers.get("Fn-Http-Status")).toBe("404");
    expect(((await res.json()) as { body: string }).body).toBe("");
  });

  it("answers 502 when the handler throws, so that hotfn keeps the container", async () => {
    const failing = join(dir, "failing.sock");
    servers.push(
      serve(() => {
        throw new Error("boom");
      }, `unix:${failing}`),
    );
    const res = await call(failing, { "Fn-Http-Method": "POST", "Fn-Http-Request-Url": "http://h/r/a/b" }, "x");
    expect(res.status).toBe(502);
    expect(await res.text()).toContain("boom");
  });

  it("refuses to start without FN_LISTENER, saying how the function is meant to run", () => {
    expect(() => serve(() => new Response(""), undefined)).toThrow("FN_LISTENER");
  });
});
