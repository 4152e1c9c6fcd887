import { describe, expect, it } from "bun:test";
import { processMark, runningMarks } from "./owner.ts";

const onLinux = process.platform === "linux";
const runs = (mark: string | undefined) => runningMarks([mark]).has(mark ?? "");

describe.if(onLinux)("process marks", () => {
  it("marks this process as running", () => {
    const mark = processMark();
    expect(mark).toMatch(new RegExp(`^[0-9a-f-]+:${process.pid}:\\d+$`));
    expect(runs(mark)).toBe(true);
  });

  it("tells a process that ended from one that runs, by its pid and start time", async () => {
    const child = Bun.spawn(["sleep", "30"]);
    const mark = processMark(child.pid)!;
    expect(mark).toMatch(new RegExp(`:${child.pid}:\\d+$`));
    expect(runs(mark)).toBe(true);
    child.kill();
    await child.exited;
    expect(runs(mark)).toBe(false);
    expect(processMark(child.pid)).toBeUndefined();
    // the same pid with another start time is another process (a reused pid)
    const [boot, pid, started] = processMark()!.split(":");
    expect(runs(`${boot}:${pid}:${Number(started) + 1}`)).toBe(false);
  });

  it("counts no mark, a mark of another boot and a malformed one as not running", () => {
    const mine = processMark()!;
    const [, pid, started] = mine.split(":");
    const others = [undefined, `00000000-0000-0000-0000-000000000000:${pid}:${started}`, "not a mark", `${mine}:extra`];
    expect([...runningMarks([...others, mine])]).toEqual([mine]);
  });
});
