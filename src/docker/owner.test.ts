import { describe, expect, it } from "bun:test";
import { readFileSync } from "node:fs";
import { markedProcessRuns, thisProcessMark } from "./owner.ts";

const onLinux = process.platform === "linux";

/** A mark for `pid` as thisProcessMark makes one for itself. */
function markOf(pid: number): string {
  const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return `${boot}:${pid}:${stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]}`;
}

describe.if(onLinux)("process marks", () => {
  it("marks this process as running", () => {
    const mark = thisProcessMark();
    expect(mark).toMatch(new RegExp(`^[0-9a-f-]+:${process.pid}:\\d+$`));
    expect(markedProcessRuns(mark)).toBe(true);
  });

  it("tells a process that ended from one that runs, by its pid and start time", async () => {
    const child = Bun.spawn(["sleep", "30"]);
    const mark = markOf(child.pid);
    expect(markedProcessRuns(mark)).toBe(true);
    child.kill();
    await child.exited;
    expect(markedProcessRuns(mark)).toBe(false);
    // the same pid with another start time is another process (a reused pid)
    const [boot, pid, started] = thisProcessMark()!.split(":");
    expect(markedProcessRuns(`${boot}:${pid}:${Number(started) + 1}`)).toBe(false);
  });

  it("counts no mark, a mark of another boot and a malformed one as not running", () => {
    const [, pid, started] = thisProcessMark()!.split(":");
    expect(markedProcessRuns(undefined)).toBe(false);
    expect(markedProcessRuns(`00000000-0000-0000-0000-000000000000:${pid}:${started}`)).toBe(false);
    expect(markedProcessRuns("not a mark")).toBe(false);
    expect(markedProcessRuns(`${thisProcessMark()}:extra`)).toBe(false);
  });
});
