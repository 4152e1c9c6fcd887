/**
 * Structured logging: one JSON object per line on stderr. A Logger is created in the composition
 * root and handed down; `child()` adds fields (request id, app, route) to every line it writes.
 * @module
 */

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  /** True when debug lines are written: a path taken on every call skips building fields nobody reads. */
  readonly debugging: boolean;
}

/** Writes to `sink` (stderr by default); never throws into the caller. */
export function createLogger(
  level: LogLevel,
  base: Record<string, unknown> = {},
  sink: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const min = rank[level];
  const write = (lvl: Exclude<LogLevel, "silent">, msg: string, fields?: Record<string, unknown>) => {
    if (rank[lvl] < min) return;
    try {
      sink(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...base, ...fields }, errorReplacer)}\n`);
    } catch {
      // A log line that cannot be written must not break the request that logged it.
    }
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (fields) => createLogger(level, { ...base, ...fields }, sink),
    debugging: rank.debug >= min,
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  // The cause carries what a caller was not told (the engine's own words), so the log keeps it.
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack, ...(value.cause === undefined ? {} : { cause: value.cause }) };
  return value;
}
