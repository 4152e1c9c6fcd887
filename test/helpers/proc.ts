/** What Linux's /proc says about a running process: its environment and its threads' names. */
import { readdirSync, readFileSync } from "node:fs";

/** The environment the process runs under now (after any exec, unlike the one it was started with). */
export function environOf(pid: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")) {
    const eq = pair.indexOf("=");
    if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/** The names of the process's threads (at most 15 characters each, as the kernel keeps them). */
export function threadNames(pid: number): string[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      return [readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim()];
    } catch {
      return []; // the thread ended between the listing and the read
    }
  });
}
