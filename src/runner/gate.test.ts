import { describe, expect, it } from "bun:test";
import { Busy } from "../errors.ts";
import { type Admission, createStartGate } from "./gate.ts";

const roomy = (maxStarts: number) => createStartGate({ maxStarts, maxMemoryMiB: 1 << 20, evict: () => 0 });

describe("start gate", () => {
  it("lets one function take every slot while nobody else waits", async () => {
    const gate = roomy(4);
    const held = await Promise.all([1, 2, 3, 4].map(() => gate.admit("greedy", 10, 100)));
    expect(gate.stats().startsInFlight).toBe(4);
    for (const a of held) a.release();
  });

  it("gives a waiting function the next slot before a function that holds its fair share", async () => {
    const gate = roomy(4);
    const greedy = await Promise.all([1, 2, 3, 4].map(() => gate.admit("greedy", 10, 5000)));
    const order: string[] = [];
    const more = gate.admit("greedy", 10, 5000).then((a) => (order.push("greedy"), a));
    const other = gate.admit("other", 10, 5000).then((a) => (order.push("other"), a));
    // Two slots come back: the other function gets one although greedy asked first; greedy, now
    // under its share (4 slots / 2 functions), gets the second.
    greedy[0]!.started();
    await other;
    greedy[1]!.started();
    await more;
    expect(order).toEqual(["other", "greedy"]);
    for (const a of [...greedy, await more, await other]) a.release();
  });

  it("never lets a function hold more than its share while others wait for a slot", async () => {
    const gate = roomy(4);
    const a = await Promise.all([1, 2].map(() => gate.admit("a", 10, 5000)));
    const b = await Promise.all([1, 2].map(() => gate.admit("b", 10, 5000)));
    const third: Admission[] = [];
    const aThird = gate.admit("a", 10, 300).then((x) => third.push(x));
    const c = gate.admit("c", 10, 5000);
    a[0]!.started();
    await c;
    // a holds 1 of its share of 1 (4 slots / 3 functions) while c waited: its third start waits
    expect(third).toHaveLength(0);
    await expect(aThird).rejects.toBeInstanceOf(Busy);
    for (const x of [...a, ...b, await c]) x.release();
  });

  it("lets a function held to its share in at once when the other function stops waiting", async () => {
    const gate = createStartGate({ maxStarts: 4, maxMemoryMiB: 12, evict: () => 0 });
    // 8 MiB of a started container, and two starts of `a`: 2 MiB left, two slots free.
    const other = await gate.admit("other", 8, 1000);
    other.started();
    const a = await Promise.all([1, 2].map(() => gate.admit("a", 1, 1000)));
    // b waits for memory; while it waits, a holds its share (4 slots / 2 functions) and waits too.
    const stop = new AbortController();
    const b = gate.admit("b", 5, 5000, stop.signal).catch((err: unknown) => err);
    let admitted = false;
    const aThird = gate.admit("a", 1, 5000).then((x) => ((admitted = true), x));
    await Bun.sleep(10);
    expect(admitted).toBe(false);
    stop.abort(new Error("withdrawn"));
    await b;
    await Bun.sleep(10);
    expect(admitted).toBe(true);
    for (const x of [...a, await aThird, other]) x.release();
  });
});
