/**
 * A serving hotfn on Bun runs with its allocator's purging off (runtime/bun.ts `tuneForServing`):
 * mimalloc's scavenger thread, whose madvise bursts on the other core stalled hot calls, never
 * starts. The server starts again under that setting in the same process, so what the test helper
 * started is what serves; an operator's own MIMALLOC_PURGE_DELAY is kept. (The executable: see
 * binary.test.ts.)
 */
import { describe, expect, it } from "bun:test";
import { environOf, threadNames } from "./helpers/proc.ts";
import { startServer } from "./helpers/server.ts";

/** Enough work that the allocator frees memory, which starts its scavenger where purging is on. */
async function exercise(s: Awaited<ReturnType<typeof startServer>>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const res = await s.fetch(`/v1/apps/nope-${i}`);
    expect(res.status).toBe(404);
    await res.arrayBuffer();
  }
}

describe("the allocator of a serving hotfn", () => {
  it("purges nothing back to the OS: no scavenger thread, in the process the helper started", async () => {
    const s = await startServer();
    try {
      await exercise(s);
      expect(environOf(s.proc.pid).MIMALLOC_PURGE_DELAY).toBe("-1");
      expect(threadNames(s.proc.pid)).not.toContain("mi-scavenger");
      // still the same process: it answers, and stops on the helper's signal with code 0
      expect((await s.json("/v1/apps")).status).toBe(200);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });

  it("keeps the purge delay an operator set, and so the scavenger", async () => {
    const s = await startServer({ env: { MIMALLOC_PURGE_DELAY: "1000" } });
    try {
      await exercise(s);
      expect(environOf(s.proc.pid).MIMALLOC_PURGE_DELAY).toBe("1000");
      expect(threadNames(s.proc.pid)).toContain("mi-scavenger");
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });
});
