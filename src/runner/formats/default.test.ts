import { describe, expect, it } from "bun:test";
import type { DemuxSinks } from "../../docker/demux.ts";
import type { Engine } from "../../docker/engine.ts";
import { FunctionFailed } from "../../errors.ts";
import { createLogger } from "../../log.ts";
import type { App, Route } from "../../model.ts";
import type { Invocation } from "../types.ts";
import { runDefault } from "./default.ts";

/** An engine whose container writes `early` to stdout while it starts, then `late` once it has its stdin, and exits 0. */
function engineWriting(early: Uint8Array, late: Uint8Array = new Uint8Array(0)) {
  let sinks!: DemuxSinks;
  let exited!: () => void;
  const exit = new Promise<void>((r) => (exited = r));
  const seen = { env: {} as Record<string, string> };
  const engine = {
    async create(spec: { env: Record<string, string> }) {
      seen.env = spec.env;
      return "c1";
    },
    async attach(_id: string, s: DemuxSinks) {
      sinks = s;
      return {
        write() {},
        endStdin() {
          if (late.length > 0) sinks.stdout(late);
          exited();
        },
        ended: exit,
        close() {},
      };
    },
    async start() {
      // Output before start() has even answered: the function is fast, Docker's answer is not.
      sinks.stdout(early);
    },
    async wait() {
      await exit;
      return { exitCode: 0, oomKilled: false };
    },
    async remove() {},
  } as unknown as Engine;
  return { engine, seen };
}

const at = new Date();
const app: App = { name: "a", config: {}, createdAt: at, updatedAt: at };
const route: Route = { appName: "a", path: "/f", image: "img", type: "sync", format: "default", memory: 64, timeout: 30, idleTimeout: 30, user: "", headers: {}, config: {}, createdAt: at, updatedAt: at };
const inv: Invocation = {
  callId: "c", app, route, params: {}, method: "POST", url: "http://h/r/a/f", body: new Uint8Array(0), priority: "sync",
  headers: [["Fn-Call-Id", "spoofed"], ["X-Kept", "1"]],
};
const deps = (engine: Engine) => ({ engine, log: createLogger("silent"), maxResponseBody: 10, startTimeoutMs: 1000 });
const sink = { write() {} };

describe("runDefault", () => {
  it("enforces the answer cap from the first byte, also on output written while the container starts", async () => {
    const { engine } = engineWriting(new Uint8Array(11).fill(65));
    const err = await runDefault(deps(engine), inv, sink, new AbortController().signal).catch((e) => e);
    expect(err).toBeInstanceOf(FunctionFailed);
    expect(err.message).toBe("response larger than 10 bytes");
  });

  it("keeps early output exactly and counts it towards the cap", async () => {
    const ok = engineWriting(new TextEncoder().encode("early"), new TextEncoder().encode("+late"));
    const res = await runDefault(deps(ok.engine), inv, sink, new AbortController().signal);
    expect(new TextDecoder().decode(res.body)).toBe("early+late");

    const over = engineWriting(new TextEncoder().encode("early"), new TextEncoder().encode("+too-late"));
    expect((await runDefault(deps(over.engine), inv, sink, new AbortController().signal).catch((e) => e)).message).toBe("response larger than 10 bytes");
  });

  it("does not put caller headers named Fn-* into the env", async () => {
    const { engine, seen } = engineWriting(new Uint8Array(0));
    await runDefault(deps(engine), inv, sink, new AbortController().signal);
    expect(seen.env.FN_HEADER_X_KEPT).toBe("1");
    expect(Object.keys(seen.env).filter((k) => k.includes("FN_CALL_ID"))).toEqual(["FN_CALL_ID"]);
    expect(seen.env.FN_CALL_ID).toBe("c");
  });
});
