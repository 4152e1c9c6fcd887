/**
 * What a build shows while it works: numbered steps, each ending with what it made (sizes) and how
 * long it took, and the engine's output for Dockerfile builds. `quiet` shows nothing.
 * @module
 */

export interface Progress {
  /** Begins the next step ("[2/4] bundle func.ts"). */
  step(title: string): void;
  /** A line of the running step's own output (an engine build step, the installer). */
  detail(line: string): void;
  /** Ends the running step with what it made; its time is added. */
  done(summary: string): void;
  /** The closing line, with the time since the first step. */
  finish(summary: string): void;
}

export interface ProgressOptions {
  /** how many steps there will be */
  total: number;
  /** where lines go (stderr, so that stdout stays for the result) */
  write(line: string): void;
  quiet?: boolean;
  /** for tests: the clock */
  now?: () => number;
}

export function createProgress({ total, write, quiet = false, now = () => performance.now() }: ProgressOptions): Progress {
  if (quiet) return { step() {}, detail() {}, done() {}, finish() {} };
  const started = now();
  let n = 0;
  let stepStarted = started;
  return {
    step(title) {
      n++;
      stepStarted = now();
      write(`[${n}/${total}] ${title}`);
    },
    detail(line) {
      write(`      ${line}`);
    },
    done(summary) {
      write(`      ${summary} (${formatDuration(now() - stepStarted)})`);
    },
    finish(summary) {
      write(`${summary} in ${formatDuration(now() - started)}`);
    },
  };
}

/** Sizes as Docker shows them (SI units): 1.2 kB, 125.3 MB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
