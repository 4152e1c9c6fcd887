/**
 * Which process made a container. A start-up removes the containers its node (HOTFN_NODE) left, and
 * a node name is held by one live process per database (store/heartbeat.ts); but two hotfn processes
 * with databases of their own share no such table, and on one machine both take the host name by
 * default. So every container also carries its maker's mark, and a start-up leaves alone the
 * containers of a maker that still runs.
 *
 * A mark is this boot of the machine, a pid and the process's start time, which tells a reused pid
 * apart. Only a mark made on this boot, whose pid runs with that start time, counts as running;
 * anything else (another machine sharing the engine, a process in another pid namespace, a machine
 * without /proc, a container made before marks) is left over, as it always was.
 * @module
 */
import { readFileSync } from "node:fs";

/** The mark of process `pid` (this one by default), or undefined where it cannot be read (no /proc). */
export function processMark(pid: number = process.pid): string | undefined {
  const boot = bootId();
  const started = startTime(pid);
  return boot === undefined || started === undefined ? undefined : `${boot}:${pid}:${started}`;
}

/**
 * Which of `marks` name a process that runs now on this machine. Reads the boot id once, then one
 * /proc entry per mark that has this boot's.
 */
export function runningMarks(marks: Iterable<string | undefined>): Set<string> {
  const boot = bootId();
  const running = new Set<string>();
  if (boot === undefined) return running;
  for (const mark of marks) {
    const m = /^([0-9a-f-]+):(\d+):(\d+)$/.exec(mark ?? "");
    if (m && m[1] === boot && startTime(Number(m[2])) === m[3]) running.add(mark!);
  }
  return running;
}

function bootId(): string | undefined {
  return read("/proc/sys/kernel/random/boot_id")?.trim();
}

/** Field 22 of /proc/PID/stat: clock ticks from boot to the process's start. */
function startTime(pid: number): string | undefined {
  const stat = read(`/proc/${pid}/stat`);
  // The command name (field 2) is in parentheses and may hold spaces and parentheses itself.
  const fields = stat?.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields?.[19];
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
