/**
 * `http-stream` format through the official Fn FDK (@fnproject/fdk), used exactly as a function
 * author would: fdk.handle(handler). The FDK listens on FN_LISTENER and symlinks the socket into place.
 */
import { renameSync, symlinkSync } from "node:fs";
import fdk from "@fnproject/fdk";
import { handle } from "./modes.ts";

export function runStream(): void {
  // LINK_TARGET=path: instead of listening, link the socket path somewhere else (a broken function).
  if (process.env.LINK_TARGET) {
    symlinkSync(process.env.LINK_TARGET, (process.env.FN_LISTENER ?? "").replace(/^unix:/, ""));
    setInterval(() => {}, 1 << 30);
    return;
  }
  fdk.handle(
    async (input: Buffer, ctx: any) => {
      // SWAP_TARGET=path: a call with body "swap" repoints the socket and the file it links to at `path`
      // (a host socket, say), as a function trying to redirect hotfn's next calls would,
      if (process.env.SWAP_TARGET && input.toString() === "swap") {
        const socket = (process.env.FN_LISTENER ?? "").replace(/^unix:/, "");
        for (const name of [socket, `${socket}.tmp`]) {
          symlinkSync(process.env.SWAP_TARGET, `${name}.swap`);
          renameSync(`${name}.swap`, name);
        }
        // and closes this connection, so that hotfn has to connect again for the next call.
        ctx.setResponseHeader("Connection", "close");
        return fdk.rawResult(Buffer.from("swapped"));
      }
      const gw = ctx.httpGateway;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(gw.headers as Record<string, string[]>)) headers[k.toLowerCase()] = v.join(", ");
      const reply = await handle({ method: gw.method, url: gw.requestURL, callId: ctx.callID, headers, body: new Uint8Array(input) });
      gw.statusCode = reply.status;
      for (const [k, v] of Object.entries(reply.headers)) {
        if (k === "content-type") ctx.responseContentType = v;
        else gw.setResponseHeader(k, v);
      }
      return fdk.rawResult(Buffer.from(reply.body));
    },
    { inputMode: "buffer" },
  );
}
