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
});
