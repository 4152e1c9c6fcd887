/**
 * Serves a handler the way hotfn calls hot functions (Fn's `http-stream` contract), with nothing but
 * Bun: listen on the unix socket FN_LISTENER names, first as `lsnr.sock.tmp`, then link `lsnr.sock`
 * to it (a relative link in the same directory), so that hotfn never connects to a half-made socket.
 * Each call is `POST /call`: the caller's method, URL and headers come as Fn-Http-Method,
 * Fn-Http-Request-Url and Fn-Http-H-*; the answer's status and headers go back as Fn-Http-Status and
 * Fn-Http-H-*. Written by `hotfn init`; yours to keep as it is.
 */
import { chmodSync, rmSync, symlinkSync } from "node:fs";
import { basename } from "node:path";

export type Handler = (req: Request) => Response | Promise<Response>;

/** Headers that belong to one hop, not to the answer the caller gets. */
const HOP = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "upgrade", "te", "trailer"]);

/** Starts listening on FN_LISTENER (hotfn sets it) and answers every call with `handler`. */
export function serve(handler: Handler, listener = process.env.FN_LISTENER): Bun.Server<undefined> {
  if (!listener?.startsWith("unix:")) {
    throw new Error("FN_LISTENER is not set to unix:/path: run this function through hotfn (hotfn deploy), or call the handler from a test");
  }
  const socket = listener.slice("unix:".length);
  const tmp = `${socket}.tmp`;
  rmSync(tmp, { force: true });
  rmSync(socket, { force: true });
  const server = Bun.serve({ unix: tmp, fetch: (req) => answer(handler, req) });
  // hotfn connects from outside the container, possibly as another user than this function's.
  chmodSync(tmp, 0o666);
  symlinkSync(basename(tmp), socket);
  return server;
}

/** One call: the caller's request out of the Fn-Http-* envelope, the handler's answer into it. */
export async function answer(handler: Handler, call: Request): Promise<Response> {
  const method = call.headers.get("Fn-Http-Method") ?? "POST";
  const url = new URL(call.headers.get("Fn-Http-Request-Url") ?? "/", "http://localhost");
  const headers = new Headers();
  for (const [name, value] of call.headers) {
    if (name.toLowerCase().startsWith("fn-http-h-")) headers.append(name.slice("fn-http-h-".length), value);
  }
  const hasBody = method !== "GET" && method !== "HEAD";
  const req = new Request(url.href, { method, headers, body: hasBody ? await call.arrayBuffer() : undefined });

  let res: Response;
  try {
    res = await handler(req);
  } catch (err) {
    // stderr is the call's log (hotfn logs CALL_ID); a 502 tells hotfn to keep this container.
    console.error(err);
    return new Response(`the function failed: ${(err as Error)?.message ?? err}\n`, { status: 502 });
  }
  const out = new Headers({ "Fn-Http-Status": String(res.status) });
  for (const [name, value] of res.headers) {
    if (name === "content-type") out.set("Content-Type", value);
    else if (!HOP.has(name)) out.append(`Fn-Http-H-${name}`, value);
  }
  return new Response(await res.arrayBuffer(), { status: 200, headers: out });
}
