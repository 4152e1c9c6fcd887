/**
 * `json` format: one JSON object per line on stdin; the answer is one JSON object on stdout, written
 * pretty-printed over several lines when PRETTY=1 (hotfn must read both). MODE=garbage writes junk.
 */
import { handle, mode } from "./modes.ts";
import { readStdin, writeOut } from "./stdio.ts";

interface JsonCall {
  call_id: string;
  content_type?: string;
  body: string;
  protocol: { method: string; request_url: string; headers: Record<string, string[]> };
}

export async function runJson(): Promise<void> {
  let pending = "";
  const dec = new TextDecoder();
  for await (const chunk of readStdin()) {
    pending += dec.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.trim() === "") continue;
      const call = JSON.parse(line) as JsonCall;
      if (mode === "garbage") {
        await writeOut(Buffer.from("}{ not json at all\n"));
        continue;
      }
      const headers = Object.fromEntries(Object.entries(call.protocol.headers).map(([k, v]) => [k.toLowerCase(), v.join(", ")]));
      const reply = await handle({ method: call.protocol.method, url: call.protocol.request_url, callId: call.call_id, headers, body: new TextEncoder().encode(call.body) });
      const answer = {
        body: new TextDecoder().decode(reply.body),
        content_type: reply.headers["content-type"] ?? "text/plain",
        protocol: { status_code: reply.status, headers: Object.fromEntries(Object.entries(reply.headers).map(([k, v]) => [k, [v]])) },
      };
      const text = process.env.PRETTY === "1" ? `${JSON.stringify(answer, null, 2)}\n` : `${JSON.stringify(answer)}\n`;
      await writeOut(Buffer.from(text));
    }
  }
}
