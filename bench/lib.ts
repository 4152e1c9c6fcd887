/**
 * Shared bench plumbing: start a fresh hotfn process, fire bounded loads at it over loopback, read
 * latency percentiles, hotfn's peak memory, and container counts from its own metrics.
 */
import { readFileSync } from "node:fs";
import { startServer, type TestServer } from "../test/helpers/server.ts";

export { startServer, type TestServer };

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export interface LoadResult {
  ok: number;
  failed: number;
  statuses: Record<string, number>;
  latenciesMs: number[];
  wallMs: number;
}

/** Runs `calls` in parallel (all at once), each a fetch; records latency and status. */
export async function burst(calls: (() => Promise<Response>)[]): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let ok = 0;
  let failed = 0;
  const began = performance.now();
  await Promise.all(
    calls.map(async (call) => {
      const t0 = performance.now();
      let status = "error";
      try {
        const res = await call();
        await res.arrayBuffer();
        status = String(res.status);
        if (res.ok) ok++;
        else failed++;
      } catch {
        failed++;
      }
      latencies.push(performance.now() - t0);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }),
  );
  latencies.sort((a, b) => a - b);
  return { ok, failed, statuses, latenciesMs: latencies, wallMs: performance.now() - began };
}

/** Peak resident memory of a process so far (VmHWM), MiB. */
export function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Sum of a counter/gauge family from hotfn's /metrics, optionally filtered by a label substring. */
export async function metricSum(s: TestServer, name: string, labelFilter = ""): Promise<number> {
  const text = await (await s.fetch("/metrics")).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (!(rest.startsWith("{") || rest.startsWith(" "))) continue;
    if (labelFilter && !line.includes(labelFilter)) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === "number" ? fmt(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  const line = (r: (string | number)[]) => `| ${r.map((c, i) => String(c).padEnd(widths[i]!)).join(" | ")} |`;
  return [line(cells[0]!), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...cells.slice(1).map(line)].join("\n");
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return "-";
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
