/**
 * `http` format: HTTP/1.1 requests on stdin, each with Content-Length; one HTTP/1.1 response per
 * request on stdout. MODE=garbage writes something that is not HTTP instead.
 */
import { handle, mode } from "./modes.ts";
import { readStdin, writeOut } from "./stdio.ts";

const CRLF2 = Buffer.from("\r\n\r\n");

export async function runHttp(): Promise<void> {
  let buf = Buffer.alloc(0);
  for await (const chunk of readStdin()) {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const end = buf.indexOf(CRLF2);
      if (end < 0) break;
      const [line = "", ...lines] = buf.subarray(0, end).toString("latin1").split("\r\n");
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const colon = l.indexOf(":");
        headers[l.slice(0, colon).trim().toLowerCase()] = l.slice(colon + 1).trim();
      }
      const length = Number(headers["content-length"] ?? 0);
      if (buf.length < end + 4 + length) break;
      const body = buf.subarray(end + 4, end + 4 + length);
      buf = buf.subarray(end + 4 + length);
      const [method = "", target = ""] = line.split(" ");
      if (mode === "garbage") {
        await writeOut(Buffer.from("this is not an HTTP response\r\n\r\n"));
        continue;
      }
      const reply = await handle({ method: headers.fn_method ?? method, url: headers.fn_request_url ?? target, callId: headers.fn_call_id ?? "", headers, body: new Uint8Array(body) });
      const head = [`HTTP/1.1 ${reply.status} ${reply.status === 200 ? "OK" : "Status"}`];
      for (const [k, v] of Object.entries(reply.headers)) head.push(`${k}: ${v}`);
      head.push(`Content-Length: ${reply.body.length}`, "", "");
      await writeOut(Buffer.concat([Buffer.from(head.join("\r\n"), "latin1"), reply.body]));
    }
  }
}
