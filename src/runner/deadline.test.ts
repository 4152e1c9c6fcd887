/**
 * A run's deadline: a hot call hears of it through its one listener, a Docker operation through the
 * AbortSignal made on first use; either way the reason is the route's timeout.
 */
import { describe, expect, it } from "bun:test";
import { FunctionTimeout } from "../errors.ts";
import { startDeadline } from "./deadline.ts";

const after = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("deadline", () => {
  it("tells its listener once, with the timeout, when it passes", async () => {
    const d = startDeadline(0.02);
    const heard: unknown[] = [];
    d.listen((reason) => heard.push(reason));
    expect(d.expired).toBeUndefined();
    await after(60);
    expect(heard).toHaveLength(1);
    expect(heard[0]).toBeInstanceOf(FunctionTimeout);
    expect((heard[0] as Error).message).toBe("Timed out: the function ran past its 0.02 s timeout");
    expect(d.expired).toBe(heard[0] as FunctionTimeout);
  });

  it("tells a listener that comes after it passed at once", async () => {
    const d = startDeadline(0.01);
    await after(40);
    let heard: unknown;
    d.listen((reason) => (heard = reason));
    expect(heard).toBeInstanceOf(FunctionTimeout);
  });

  it("tells no one who stopped listening, nor anyone once cleared", async () => {
    const stopped = startDeadline(0.02);
    const cleared = startDeadline(0.02);
    const heard: string[] = [];
    stopped.listen(() => heard.push("stopped"));
    stopped.listen(undefined);
    cleared.listen(() => heard.push("cleared"));
    cleared.clear();
    await after(60);
    expect(heard).toEqual([]);
    expect(stopped.expired).toBeInstanceOf(FunctionTimeout);
    expect(cleared.expired).toBeUndefined();
  });

  it("aborts its signal with the same reason, whether the signal was made before or after", async () => {
    const early = startDeadline(0.02);
    const signal = early.signal;
    expect(signal.aborted).toBe(false);
    await after(60);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(early.expired);
    const late = startDeadline(0.01);
    await after(40);
    expect(late.signal.aborted).toBe(true);
    expect(late.signal.reason).toBe(late.expired);
  });

  it("runs from start() when deferred", async () => {
    const d = startDeadline(0.02, true);
    await after(50);
    expect(d.expired).toBeUndefined();
    d.start();
    await after(50);
    expect(d.expired).toBeInstanceOf(FunctionTimeout);
  });
});
