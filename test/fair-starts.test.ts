/**
 * No function starves the others of container starts, over real HTTP and Docker: functions whose
 * containers never get ready (an http-stream image that never opens its socket) do not keep the start
 * slots, another function is served meanwhile, and their callers get 504 once HOTFN_READY_TIMEOUT passes.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createRoute, eventually, invoke } from "./helpers/fixtures.ts";
import { ensureImages, IMAGES } from "./helpers/images.ts";
import { containersOf, startServer, type TestServer } from "./helpers/server.ts";

const T = 90_000;
const READY_MS = 8000;
const STUCK = ["/stuck-1", "/stuck-2", "/stuck-3", "/stuck-4"];

let s: TestServer;
beforeAll(async () => {
  await ensureImages();
  // A broken function's second caller waits for its container (HOTFN_MEMORY_WAIT bounds that wait, 10 s
  // by default) until the ready timeout fails it; with container starts of ~1 s queued behind two
  // slots, the last ready timeout fell past 10 s and that caller got 503, not the 504 under test.
  s = await startServer({
    env: { HOTFN_MAX_CONCURRENT_STARTS: "2", HOTFN_READY_TIMEOUT: String(READY_MS), HOTFN_MEMORY_WAIT: "30000", HOTFN_ASYNC_WORKERS: "0" },
  });
  // busybox `cat` never opens the http-stream socket
  for (const path of STUCK) await createRoute(s, "fair", path, { image: IMAGES.bbEcho, format: "http-stream", memory: 32 });
  await createRoute(s, "fair", "/good", { image: IMAGES.echo, format: "http", memory: 64 });
}, T);
afterAll(async () => {
  await s.stop();
}, T);

describe("start slots", () => {
  it("serve another function while broken ones wait for their sockets; their callers get 504 saying so", async () => {
    const finished: string[] = [];
    const stuck = STUCK.flatMap((path) =>
      [1, 2].map(async () => {
        const r = await invoke(s, "fair", path, { body: "x" });
        finished.push(path);
        return r;
      }),
    );
    // The broken functions have taken the start slots first.
    expect(await eventually(() => containersOf(s.node, "hotfn.format=http-stream").length >= 2)).toBe(true);
    const good = await invoke(s, "fair", "/good", { body: "served" });
    finished.push("/good");
    expect(good.status).toBe(200);
    expect(good.text).toBe("served");

    const answers = await Promise.all(stuck);
    // Served before any broken function's caller heard back: no slot was held for the ready timeout.
    expect(finished[0]).toBe("/good");
    for (const r of answers) {
      expect(r.status, r.text).toBe(504);
      expect(r.text).toContain(`did not open its socket within ${READY_MS} ms (HOTFN_READY_TIMEOUT)`);
    }
    expect(await eventually(() => containersOf(s.node, "hotfn.format=http-stream").length === 0, 20_000)).toBe(true);
  }, T);
});
