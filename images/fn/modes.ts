/**
 * What the test function does, whatever its format: one behaviour per MODE (image env, or route config
 * `MODE`). Formats turn their framing into a Request and a Reply back into framing.
 */
import { rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";

export interface Request {
  method: string;
  url: string;
  callId: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
let calls = 0;
/** memory the hog mode holds on to, so the allocations are not collected */
const hoard: Uint8Array[] = [];

export const mode = process.env.MODE ?? "echo";

/**
 * Runs one call. Modes:
 * - echo: answers the body; body `env` → the env as JSON, `request` → method/url/headers/call id as
 *   JSON, `whoami` → its uid, gid and which of / and /tmp it can write, as JSON; request header
 *   `x-status` sets the status; adds header `x-echo: 1`
 * - sleep: sleeps the ms given in the body (or SLEEP_MS, default 1000), answers `slept N`
 * - hog: allocates and touches 1 MiB blocks until the kernel kills it
 * - crash: exits with EXIT_CODE (default 3) in the middle of the call
 * - log: writes the body (or `log line N` × LOG_LINES) to stderr, answers `logged`
 * - count: answers {"calls":N,"hostname":H}: calls served by this process, and its container
 * - garbage: the formats write bytes that break their framing (see formats)
 */
export async function handle(req: Request): Promise<Reply> {
  calls++;
  const text = dec.decode(req.body);
  switch (mode) {
    case "sleep": {
      const ms = Number.parseInt(text, 10) || Number(process.env.SLEEP_MS ?? 1000);
      await Bun.sleep(ms);
      return reply(200, `slept ${ms}`);
    }
    case "hog":
      process.stderr.write("allocating until killed\n");
      for (;;) {
        hoard.push(new Uint8Array(1 << 20).fill(1));
        if (hoard.length % 16 === 0) await Bun.sleep(0);
      }
    case "crash":
      process.stderr.write("crashing on purpose\n");
      process.exit(Number(process.env.EXIT_CODE ?? 3));
    case "log": {
      const lines = Number(process.env.LOG_LINES ?? 3);
      const out = text !== "" ? text : Array.from({ length: lines }, (_, i) => `log line ${i + 1}\n`).join("");
      await new Promise<void>((resolve) => process.stderr.write(out, () => resolve()));
      return reply(200, "logged");
    }
    case "count":
      return reply(200, JSON.stringify({ calls, hostname: hostname() }), "application/json");
    default: {
      const status = Number(req.headers["x-status"] ?? 200);
      const headers = { "x-echo": "1", "content-type": req.headers["content-type"] ?? "text/plain" };
      if (text === "env") return { status, headers: { ...headers, "content-type": "application/json" }, body: enc.encode(JSON.stringify(sortedEnv())) };
      if (text === "whoami") return { status, headers: { ...headers, "content-type": "application/json" }, body: enc.encode(JSON.stringify(whoami())) };
      if (text === "request") {
        const { method, url, callId, headers: h } = req;
        return { status, headers: { ...headers, "content-type": "application/json" }, body: enc.encode(JSON.stringify({ method, url, callId, headers: h })) };
      }
      return { status, headers, body: req.body };
    }
  }
}

export function sortedEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).sort(([a], [b]) => a.localeCompare(b))) as Record<string, string>;
}

function reply(status: number, body: string, contentType = "text/plain"): Reply {
  return { status, headers: { "content-type": contentType }, body: enc.encode(body) };
}

/** Who the function runs as and where it may write: what hotfn's container lockdown promises. */
function whoami(): { uid: number; gid: number; rootWritable: boolean; tmpWritable: boolean } {
  const canWrite = (path: string) => {
    try {
      writeFileSync(path, "x");
      rmSync(path);
      return true;
    } catch {
      return false;
    }
  };
  return { uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1, rootWritable: canWrite("/probe"), tmpWritable: canWrite(`/tmp/probe-${process.pid}`) };
}
