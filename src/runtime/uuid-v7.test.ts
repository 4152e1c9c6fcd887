import { describe, expect, it } from "bun:test";
import { createUuidV7 } from "./uuid-v7.ts";

const FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("createUuidV7", () => {
  it("makes version-7, variant-10 UUIDs carrying the millisecond they were made in", () => {
    const id = createUuidV7(() => 0x0123_4567_89ab)();
    expect(id).toMatch(FORMAT);
    expect(id.slice(0, 13)).toBe("01234567-89ab");
  });

  it("sorts ids in the order they were made, within one millisecond, past 4096 of them, and when the clock steps back", () => {
    const clock = [1_700_000_000_000, 1_700_000_000_000, 1_699_999_999_000, 1_700_000_000_001];
    let t = 0;
    const next = createUuidV7(() => clock[Math.min(t++, clock.length - 1)]!);
    const ids = Array.from({ length: 10_000 }, () => next());
    for (const id of ids) expect(id).toMatch(FORMAT);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("sorts as Bun's own do, by creation, when the two alternate", () => {
    const ours = createUuidV7();
    const ids = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? ours() : Bun.randomUUIDv7()));
    // Two generators each count within a millisecond on their own: compare the time only.
    const times = ids.map((id) => id.slice(0, 13));
    expect([...times].sort()).toEqual(times);
  });
});
