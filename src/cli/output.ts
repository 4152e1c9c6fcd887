/**
 * How the CLI prints: aligned tables and `key: value` blocks for people, the server's JSON as it is
 * with `--json` for scripts. Results go to stdout; progress, notes and errors to stderr.
 * @module
 */

export interface Output {
  /** true when --json was given */
  readonly json: boolean;
  /** a line (or lines) of the result, on stdout */
  out(text: string): void;
  /** raw bytes of a result (a function's answer), on stdout as they are */
  bytes(data: Uint8Array): void;
  /** progress, notes and errors, on stderr */
  err(text: string): void;
}

export interface OutputOptions {
  json: boolean;
  stdout(data: string | Uint8Array): void;
  stderr(data: string): void;
}

export function createOutput({ json, stdout, stderr }: OutputOptions): Output {
  return {
    json,
    out: (text) => stdout(text.endsWith("\n") ? text : `${text}\n`),
    bytes: (data) => stdout(data),
    err: (text) => stderr(text.endsWith("\n") ? text : `${text}\n`),
  };
}

export type Column<T> = [header: string, cell: (row: T) => string];

/** Rows under upper-case headers, columns padded to their widest cell (the last one is not). */
export function table<T>(rows: T[], columns: Column<T>[]): string {
  const cells = [columns.map(([h]) => h.toUpperCase()), ...rows.map((r) => columns.map(([, cell]) => cell(r)))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  return cells.map((line) => line.map((c, i) => (i === line.length - 1 ? c : c.padEnd(widths[i]!))).join("   ").trimEnd()).join("\n");
}

/** `key: value` lines; maps become indented `name=value` lines, absent values are left out. */
export function details(record: Record<string, unknown>): string {
  const width = Math.max(...Object.keys(record).map((k) => k.length)) + 1;
  const lines: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined || value === null) continue;
    if (typeof value === "object" && !Array.isArray(value)) {
      const entries = Object.entries(value as Record<string, unknown>);
      lines.push(`${`${key}:`.padEnd(width)} ${entries.length === 0 ? "-" : ""}`.trimEnd());
      for (const [k, v] of entries) lines.push(`  ${k}=${Array.isArray(v) ? v.join(", ") : String(v)}`);
    } else {
      lines.push(`${`${key}:`.padEnd(width)} ${Array.isArray(value) ? value.join(", ") : String(value)}`);
    }
  }
  return lines.join("\n");
}

/** A map as `a=1, b=2` in one cell; `-` when empty. */
export function inline(map: Record<string, unknown> | undefined): string {
  const entries = Object.entries(map ?? {});
  return entries.length === 0 ? "-" : entries.map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(",") : String(v)}`).join(", ");
}

/** An RFC 3339 time as `2026-11-30 18:40:12` (UTC), or `-`. */
export function when(iso: unknown): string {
  return typeof iso === "string" ? iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "") : "-";
}
