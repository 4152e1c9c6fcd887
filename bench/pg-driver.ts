/**
 * bench/pg-driver: which PostgreSQL client hotfn's store runs on. Bun's built-in client (Bun.SQL,
 * through drizzle-orm/bun-sql) against the common npm driver `pg` (node-postgres, through
 * drizzle-orm/node-postgres), each with a pool of 10, on a throw-away PostgreSQL on loopback, doing
 * what the store does: point reads (the route cache's loads, the calls API), small writes (claims,
 * completions) and the recorder's 200-row upsert. Then each driver compiled into an executable
 * with `bun build --compile`: its size, and whether it runs from an empty directory.
 *
 *   npm install --no-save pg @types/pg    # the comparison only; hotfn does not depend on pg
 *   bun bench/pg-driver.ts [--n 4000]
 */
import { SQL } from "bun";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { eq, sql } from "drizzle-orm";
import { drizzle as drizzleBun } from "drizzle-orm/bun-sql";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { migratePostgres } from "../src/store/pg/migrate.ts";
import { apps, calls } from "../src/store/pg/schema.ts";
import { startPostgres } from "../test/helpers/postgres.ts";
import { percentile, table } from "./lib.ts";

const { values } = parseArgs({ options: { n: { type: "string", default: "4000" }, rounds: { type: "string", default: "3" } } });
const N = Number(values.n);
const ROUNDS = Number(values.rounds);
const ROOT = join(import.meta.dir, "..");

/** The part of `pg` used here, typed by hand: hotfn does not depend on pg, so its types may be absent. */
interface PgModule {
  Pool: new (config: { connectionString: string; max: number }) => { query(text: string, args: unknown[]): Promise<unknown>; end(): Promise<void> };
}
let pg: PgModule | undefined;
try {
  const name = "pg";
  pg = ((await import(name)) as { default: PgModule }).default;
} catch {
  console.error("pg is not installed: `npm install --no-save pg @types/pg` to compare; measuring Bun.SQL alone");
}

interface Driver {
  name: string;
  db: PgDatabase<PgQueryResultHKT>;
  /** a raw statement with $n parameters */
  raw(text: string, args: unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

const server = await startPostgres();
/** figures per driver and operation, one entry per round: the rounds interleave the drivers */
const figures = new Map<string, number[][]>();
const record = (driver: string, what: string, f: number[]) => {
  const key = `${driver}\t${what}`;
  figures.set(key, [...(figures.get(key) ?? []), f]);
};
try {
  const drivers: (() => Promise<Driver>)[] = [
    async () => {
      const client = new SQL(await server.database(), { max: 10 });
      await migratePostgres(client);
      return { name: "Bun.SQL", db: drizzleBun({ client }) as never, raw: (t, a) => client.unsafe(t, a), close: () => client.close() };
    },
  ];
  if (pg) {
    const { Pool } = pg;
    const { drizzle: drizzlePg } = await import("drizzle-orm/node-postgres");
    drivers.push(async () => {
      const url = await server.database();
      const migrator = new SQL(url, { max: 1 });
      await migratePostgres(migrator);
      await migrator.close();
      const pool = new Pool({ connectionString: url, max: 10 });
      return { name: "pg (node-postgres)", db: drizzlePg(pool as never) as never, raw: (t, a) => pool.query(t, a), close: () => pool.end() };
    });
  }

  for (let round = 0; round < ROUNDS; round++) for (const open of drivers) {
    const d = await open();
    try {
      await d.db.insert(apps).values(Array.from({ length: 100 }, (_, i) => ({ name: `app-${i}`, config: { A: String(i) } })));
      const read = (i: number) => d.db.select().from(apps).where(eq(apps.name, `app-${i % 100}`)).limit(1);
      const write = (i: number) => d.db.update(apps).set({ config: { A: String(i) }, updatedAt: new Date() }).where(eq(apps.name, `app-${i % 100}`));
      for (let i = 0; i < 200; i++) await read(i); // warm the pool and the statement caches

      record(d.name, "read by key, one at a time", await measure(N, 1, read));
      record(d.name, "read by key, 64 at once", await measure(N * 4, 64, read));
      record(d.name, "update by key, 16 at once", await measure(N, 16, write));
      const batch = 200;
      const upsert = upsertOf(batch);
      record(d.name, `recorder upsert, ${batch} rows (per row)`, perRow(await measure(Math.max(20, N / 40), 1, (i) => d.raw(upsert, argsOf(round * 1000 + i, batch))), batch));
    } finally {
      await d.close();
    }
  }
} finally {
  await server.stop();
}

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows = [...figures].map(([key, runs]) => [...key.split("\t"), ...[0, 1, 2].map((i) => median(runs.map((r) => r[i]!)))]);
rows.sort((a, b) => String(a[1]).localeCompare(String(b[1])) || String(a[0]).localeCompare(String(b[0])));
console.log(`\nThrough Drizzle, pool of 10, PostgreSQL on loopback; medians of ${ROUNDS} interleaved rounds\n`);
console.log(table(["driver", "what", "ops/s", "p50 µs", "p99 µs"], rows));
console.log(`\nCompiled with bun build --compile, run from an empty directory\n`);
console.log(table(["driver", "executable MiB", "runs alone"], await executables()));

/** Runs `total` calls of `op`, `concurrency` at a time; ops/s and latency percentiles (µs). */
async function measure(total: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await op(i);
        latencies.push((performance.now() - t0) * 1000);
      }
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  latencies.sort((a, b) => a - b);
  return [total / seconds, percentile(latencies, 50), percentile(latencies, 99)];
}

/** Figures of a statement of `n` rows, per row. */
function perRow([opsPerSecond, p50, p99]: number[], n: number): number[] {
  return [opsPerSecond! * n, p50! / n, p99! / n];
}

function upsertOf(n: number): string {
  const cols = ["id", "app_name", "path", "status", "created_at", "started_at", "completed_at", "error", "attempts", "log", "output"];
  const values = Array.from({ length: n }, (_, r) => `(${cols.map((_, c) => `$${r * cols.length + c + 1}`).join(", ")})`);
  return `insert into ${sql.identifier("calls").value} (${cols.join(", ")}) values ${values.join(", ")} on conflict (id) do update set status = excluded.status, completed_at = excluded.completed_at, log = excluded.log`;
}

function argsOf(batch: number, n: number): unknown[] {
  const t = Date.now();
  return Array.from({ length: n }, (_, r) => [`${String(batch).padStart(8, "0")}-${r}`, "app", "/r", "success", t, t, t, null, 1, "a line of log\n", null]).flat();
}

/** Builds a tiny program per driver into an executable and runs it from an empty directory. */
async function executables(): Promise<(string | number)[][]> {
  const dir = mkdtempSync(join(tmpdir(), "hotfn-pg-driver-"));
  const programs = [
    { name: "Bun.SQL", source: `import { SQL } from "bun"; import { drizzle } from "drizzle-orm/bun-sql"; const d = drizzle({ client: new SQL("postgres://127.0.0.1:1/x") }); console.log(typeof d.select);` },
    ...(pg ? [{ name: "pg (node-postgres)", source: `import pg from "pg"; import { drizzle } from "drizzle-orm/node-postgres"; const d = drizzle(new pg.Pool({ connectionString: "postgres://127.0.0.1:1/x" })); console.log(typeof d.select);` }] : []),
  ];
  const out: (string | number)[][] = [];
  try {
    for (const [i, p] of programs.entries()) {
      const entry = join(ROOT, `.pg-driver-${i}.ts`);
      writeFileSync(entry, p.source);
      const outfile = join(dir, `exe-${i}`);
      try {
        const built = await Bun.build({ entrypoints: [entry], compile: { outfile }, minify: true });
        if (!built.success) {
          out.push([p.name, "-", `does not build: ${built.logs.map(String).join("; ").slice(0, 120)}`]);
          continue;
        }
      } catch (err) {
        out.push([p.name, "-", `does not build: ${String(err).slice(0, 120)}`]);
        continue;
      } finally {
        rmSync(entry, { force: true });
      }
      const empty = mkdtempSync(join(tmpdir(), "hotfn-empty-"));
      const run = Bun.spawnSync([outfile], { cwd: empty, env: { PATH: "/usr/bin:/bin" } });
      rmSync(empty, { recursive: true, force: true });
      out.push([p.name, statSync(outfile).size / 2 ** 20, run.exitCode === 0 ? "yes" : `no: ${run.stderr.toString().trim().split("\n")[0]}`]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
