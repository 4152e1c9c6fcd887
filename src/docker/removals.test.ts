import { describe, expect, it } from "bun:test";
import { createRemovalRetry } from "./removals.ts";

describe("createRemovalRetry", () => {
  it("tries a failed removal again until the engine takes it, then stops trying", async () => {
    const tries: string[] = [];
    let engineUp = false;
    const retry = createRemovalRetry({
      minMs: 5,
      maxMs: 20,
      remove: async (id) => {
        tries.push(id);
        return engineUp;
      },
    });
    retry.add("c1");
    while (tries.length < 3) await Bun.sleep(5);
    expect(retry.pending).toBe(1);
    engineUp = true;
    while (retry.pending > 0) await Bun.sleep(5);
    const settled = tries.length;
    await Bun.sleep(60);
    expect(tries.length).toBe(settled);
    retry.stop();
  });

  it("stops on stop()", async () => {
    let tries = 0;
    const retry = createRemovalRetry({ minMs: 5, remove: async () => (tries++, false) });
    retry.add("c1");
    retry.stop();
    await Bun.sleep(30);
    expect(tries).toBe(0);
  });
});
