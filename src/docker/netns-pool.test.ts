import { describe, expect, it } from "bun:test";
import { createNetnsPool } from "./netns-pool.ts";

function fakeEngine() {
  let n = 0;
  const removed: string[] = [];
  let busy = false;
  let failNext = 0;
  return {
    removed,
    setBusy: (b: boolean) => (busy = b),
    failStarts: (k: number) => (failNext = k),
    ops: {
      async startHolder() {
        if (failNext > 0) {
          failNext--;
          throw new Error("engine away");
        }
        return `h${++n}`;
      },
      async removeHolder(id: string) {
        removed.push(id);
      },
      engineBusy: () => busy,
      onError() {},
    },
  };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 400 && !cond(); i++) await Bun.sleep(5);
  expect(cond()).toBe(true);
};

describe("createNetnsPool", () => {
  it("keeps the spare ready, hands each holder to one container at a time, and reuses it after", async () => {
    const e = fakeEngine();
    const pool = createNetnsPool({ ...e.ops, spare: 2 });
    pool.start();
    await until(() => pool.stats().free === 2);
    const a = pool.take()!;
    const b = pool.take()!;
    expect(a).not.toBe(b);
    expect(pool.stats()).toMatchObject({ inUse: 2 });
    pool.release(a);
    await until(() => pool.stats().free >= 1);
    expect([...Array(3)].map(() => pool.take())).toContain(a);
    await pool.stop();
  });

  it("makes holders only while no function container is starting", async () => {
    const e = fakeEngine();
    e.setBusy(true);
    const pool = createNetnsPool({ ...e.ops, spare: 1 });
    pool.start();
    await Bun.sleep(120);
    expect(pool.stats().free).toBe(0);
    e.setBusy(false);
    await until(() => pool.stats().free === 1);
    await pool.stop();
  });

  it("backs off when a holder cannot be started, then fills up; drops a broken holder; removes surplus", async () => {
    const e = fakeEngine();
    e.failStarts(1);
    const pool = createNetnsPool({ ...e.ops, spare: 1 });
    pool.start();
    await until(() => pool.stats().free === 1);
    const h = pool.take()!;
    pool.drop(h);
    expect(e.removed).toContain(h);
    await until(() => pool.stats().free === 1);
    const taken = [pool.take()!];
    await until(() => pool.stats().free === 1);
    taken.push(pool.take()!);
    await until(() => pool.stats().free === 1);
    taken.push(pool.take()!);
    for (const t of taken) pool.release(t);
    // twice the spare stay free at most; the rest go
    expect(pool.stats().free).toBe(2);
    expect(e.removed.length).toBe(2);
    await pool.stop();
  });

  it("a dead holder retires every holder made before it: the free ones at once, those in use when released", async () => {
    const e = fakeEngine();
    const pool = createNetnsPool({ ...e.ops, spare: 3 });
    pool.start();
    await until(() => pool.stats().free === 3);
    const inUse = pool.take()!;
    const dead = pool.take()!;
    await until(() => pool.stats().free === 3);
    const before = new Set([inUse, dead, ...Array.from({ length: 3 }, (_, i) => `h${i + 1}`)]);
    pool.drop(dead); // as after an engine restart: every holder made so far stopped with it
    await until(() => pool.stats().free === 3);
    pool.release(inUse);
    expect(e.removed).toContain(inUse);
    expect(e.removed).toContain(dead);
    const fresh = [pool.take()!, pool.take()!, pool.take()!];
    for (const h of fresh) expect(before.has(h)).toBe(false);
    await pool.stop();
  });
});
