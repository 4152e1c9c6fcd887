/**
 * Where hotfn listens: loopback only without an API token; a non-loopback HOST without one refuses to
 * start and says how to set a token, unless HOTFN_INSECURE=1, which starts with a warning; with a
 * token, every interface by default.
 */
import { describe, expect, it } from "bun:test";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { startServer } from "./helpers/server.ts";

const T = 30_000;
const ROOT = join(import.meta.dir, "..");

/** This machine's first non-loopback IPv4 address, if it has one. */
const outside = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === "IPv4" && !a.internal)?.address;

async function reachable(host: string, port: number): Promise<boolean> {
  try {
    await fetch(`http://${host}:${port}/version`, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

/** Runs `bun src/main.ts` with only `env` (plus PATH/HOME) until it exits, or kills it after 10 s. */
async function runMain(env: Record<string, string>) {
  const proc = Bun.spawn([process.execPath, join(ROOT, "src/main.ts")], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", PORT: "0", DB_URL: ":memory:", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { stderr, code };
}

describe("binding", () => {
  it("listens on 127.0.0.1 only when no API token is set and HOST is not", async () => {
    const s = await startServer({ env: { HOST: "", HOTFN_ASYNC_WORKERS: "0" } });
    try {
      const url = new URL(s.url);
      expect(url.hostname).toBe("127.0.0.1");
      expect(await reachable("127.0.0.1", Number(url.port))).toBe(true);
      if (outside) expect(await reachable(outside, Number(url.port))).toBe(false);
    } finally {
      await s.stop();
    }
  }, T);

  it("refuses to start on a non-loopback HOST without a token, saying how to set one", async () => {
    for (const host of ["0.0.0.0", "::", outside ?? "192.0.2.1"]) {
      const r = await runMain({ HOST: host });
      expect(r.code, host).not.toBe(0);
      expect(r.stderr).toContain("HOTFN_API_TOKEN");
      expect(r.stderr).toContain("HOTFN_INSECURE=1");
      expect(r.stderr).not.toContain('"msg":"listening"');
    }
  }, T);

  it("starts anyway with HOTFN_INSECURE=1, warning that anyone can run any image", async () => {
    const s = await startServer({ env: { HOST: "0.0.0.0", HOTFN_INSECURE: "1", HOTFN_ASYNC_WORKERS: "0" } });
    try {
      expect(s.logs()).toContain('"level":"warn","msg":"HOTFN_INSECURE');
      if (outside) expect(await reachable(outside, Number(new URL(s.url).port))).toBe(true);
    } finally {
      await s.stop();
    }
  }, T);

  it("listens on every interface by default once an API token is set", async () => {
    const s = await startServer({ env: { HOST: "", HOTFN_API_TOKEN: `api-${crypto.randomUUID()}`, HOTFN_ASYNC_WORKERS: "0" } });
    try {
      expect(s.logs()).not.toContain("HOTFN_INSECURE");
      if (outside) expect(await reachable(outside, Number(new URL(s.url).port))).toBe(true);
    } finally {
      await s.stop();
    }
  }, T);
});
