/**
 * `http-stream` format through the official Fn FDK (@fnproject/fdk), used exactly as a function
 * author would: fdk.handle(handler). The FDK listens on FN_LISTENER and symlinks the socket into place.
 */
import { symlinkSync } from "node:fs";
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
