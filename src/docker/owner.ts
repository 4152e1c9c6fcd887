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

/** This process's mark, or undefined where the machine has no /proc. */
export function thisProcessMark(): string | undefined {
  const boot = bootId();
  const started = startTime("self");
  return boot === undefined || started === undefined ? undefined : `${boot}:${process.pid}:${started}`;
}

/** True only when `mark` names a process that runs now on this machine. */
export function markedProcessRuns(mark: string | undefined): boolean {
  const m = /^([0-9a-f-]+):(\d+):(\d+)$/.exec(mark ?? "");
  if (!m || m[1] !== bootId()) return false;
  return startTime(m[2]!) === m[3];
}

function bootId(): string | undefined {
  return read("/proc/sys/kernel/random/boot_id")?.trim();
}

/** Field 22 of /proc/PID/stat: clock ticks from boot to the process's start. */
function startTime(pid: string): string | undefined {
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
