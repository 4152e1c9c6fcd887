/**
 * The store: its contract on a libSQL file, on `:memory:` and on PostgreSQL; what must hold when
 * several processes share a libSQL file or a PostgreSQL database; route lists that stay bounded at
 * 10,000 routes (the SQL asks for one page, never the lot); migrations applied once, and a database
 * migrated by a newer hotfn refused, on both dialects; data that survives a restart of the real process.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { SQL } from "bun";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Client, createClient } from "@libsql/client";
import { getTableColumns, is, Table } from "drizzle-orm";
import { drizzle } from "drizzle-orm/libsql";
import { drizzle as drizzlePg } from "drizzle-orm/bun-sql";
import { MIGRATION_SETS, renderMigrations } from "../scripts/embed-migrations.ts";
import { createLogger } from "../src/log.ts";
import { createAppRepo } from "../src/store/apps.ts";
import { createCallQueueRepo } from "../src/store/call-queue.ts";
import { openStore, type Store } from "../src/store/index.ts";
import { migrate, SchemaTooNew } from "../src/store/migrate.ts";
import { MIGRATIONS } from "../src/store/migrations.gen.ts";
import { createPgCallQueueRepo } from "../src/store/pg/call-queue.ts";
import { migratePostgres } from "../src/store/pg/migrate.ts";
import { MIGRATIONS as PG_MIGRATIONS } from "../src/store/pg/migrations.gen.ts";
import { createRouteRepo } from "../src/store/routes.ts";
import { type SharedDb, sharedStoreContract } from "./contracts/shared-store.ts";
import { storeContract } from "./contracts/store.ts";
import { hasPostgres, lazyPostgres } from "./helpers/postgres.ts";
import { startServer } from "./helpers/server.ts";

const ROOT = join(import.meta.dir, "..");
const silent = createLogger("silent");
const tempDirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "hotfn-store-"));
  tempDirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

const postgres = lazyPostgres();
afterAll(() => postgres.stop());
const withPostgres = hasPostgres();
if (!withPostgres) console.warn("no PostgreSQL server here (apt-get install -y postgresql): its store suites are skipped");

storeContract("libSQL file", () => openStore({ url: `file:${join(tempDir(), "hotfn.db")}`, log: silent }));
storeContract("libSQL file, records written by their thread", () =>
  openStore({ url: `file:${join(tempDir(), "hotfn.db")}`, recorderThread: new URL("../src/store/recorder-thread.ts", import.meta.url).href, log: silent }),
);
storeContract(":memory:", () => openStore({ url: ":memory:", log: silent }));
if (withPostgres) storeContract("PostgreSQL", async () => openStore({ url: await (await postgres.get()).database(), log: silent }));

/** Stores and connections on one database, closed together. */
function sharedDb(url: string, connectQueue: (opts: Parameters<SharedDb["queue"]>[0]) => { queue: ReturnType<SharedDb["queue"]>; close(): unknown }, stored: SharedDb["stored"]): SharedDb {
  const closers: (() => unknown)[] = [];
  return {
    async open() {
      const store = await openStore({ url, log: silent });
      closers.push(() => store.close());
      return store;
    },
    queue(opts) {
      const { queue, close } = connectQueue(opts);
      closers.push(close);
      return queue;
    },
    stored,
    async close() {
      for (const close of closers.reverse()) await close();
    },
  };
}

sharedStoreContract("libSQL file", async () => {
  const url = `file:${join(tempDir(), "shared.db")}`;
  // another process's connections wait out the brief write lock as hotfn's own do
  const connect = (): Client => createClient({ url, timeout: 5000 });
  const reader = connect();
  return sharedDb(
    url,
    (opts) => {
      const client = connect();
      return { queue: createCallQueueRepo(drizzle(client), opts), close: () => client.close() };
    },
    async (id) => {
      const { rows } = await reader.execute({ sql: "SELECT payload, request FROM calls WHERE id = ?", args: [id] });
      return { payload: rows[0]?.payload ?? null, request: rows[0]?.request ?? null };
    },
  );
});

if (withPostgres) {
  sharedStoreContract("PostgreSQL", async () => {
    const url = await (await postgres.get()).database();
    const reader = new SQL(url, { max: 1 });
    const db = sharedDb(
      url,
      (opts) => {
        const client = new SQL(url, { max: 2 });
        return { queue: createPgCallQueueRepo(drizzlePg({ client }), opts), close: () => client.close() };
      },
      async (id) => {
        const [row] = await reader`SELECT payload, request FROM calls WHERE id = ${id}`;
        return { payload: row?.payload ?? null, request: row?.request ?? null };
      },
    );
    return { ...db, close: async () => (await db.close(), await reader.close()) };
  });
}

describe("listing 10,000 routes", () => {
  const ROUTES = 10_000;
  const queries: { sql: string; params: unknown[] }[] = [];
  let repo: ReturnType<typeof createRouteRepo>;
  let client: ReturnType<typeof createClient>;

  beforeAll(async () => {
    client = createClient({ url: `file:${join(tempDir(), "big.db")}` });
    await migrate(client);
    await client.execute("INSERT INTO apps (name) VALUES ('big')");
    // One statement writes them all: the subject here is reading, not writing.
    await client.execute(`
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROUTES - 1})
      INSERT INTO routes (app_name, path, image, type, format, memory, timeout, idle_timeout)
      SELECT 'big', printf('/fn/%05d', i), 'busybox', 'sync', 'default', 128, 30, 30 FROM n`);
    // The store's own repositories, over a connection that records every query it sends.
    const db = drizzle(client, { logger: { logQuery: (sql, params) => queries.push({ sql, params }) } });
    const changed = async () => {};
    repo = createRouteRepo(db, createAppRepo(db, changed), changed);
  });
  afterAll(() => client.close());

  it("asks the database for one page (LIMIT per_page + 1) and answers 30 with a cursor", async () => {
    queries.length = 0;
    const page = await repo.list("big", { perPage: 30 });
    expect(page.items).toHaveLength(30);
    expect(page.nextCursor).not.toBeNull();
    expect(queries).toHaveLength(1);
    expect(queries[0]!.sql.toLowerCase()).toMatch(/ order by .*"path".* limit \?$/);
    expect(queries[0]!.params.at(-1)).toBe(31);
  });

  it("walks all of them with cursors, each page one bounded query, each route once, in order", async () => {
    queries.length = 0;
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await repo.list("big", { perPage: 100, cursor });
      seen.push(...page.items.map((r) => r.path));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(ROUTES);
    expect(new Set(seen).size).toBe(ROUTES);
    expect(seen).toEqual([...seen].sort());
    expect(queries).toHaveLength(ROUTES / 100);
    for (const q of queries) expect(q.params.at(-1)).toBe(101);
  });
});

describe("migrations", () => {
  it("apply once: a second open applies nothing and keeps the data", async () => {
    const url = `file:${join(tempDir(), "m.db")}`;
    const first = await openStore({ url, log: silent });
    await first.apps.create("kept", { A: "1" });
    await first.close();
    const client = createClient({ url });
    try {
      expect(await migrate(client)).toEqual([]);
      const { rows } = await client.execute("SELECT idx FROM __hotfn_migrations ORDER BY idx");
      expect(rows.map((r) => Number(r.idx))).toEqual(MIGRATIONS.map((m) => m.idx));
    } finally {
      client.close();
    }
    const again = await openStore({ url, log: silent });
    expect((await again.apps.get("kept")).config).toEqual({ A: "1" });
    await again.close();
  });

  it("refuse a database migrated by a newer hotfn", async () => {
    const client = createClient({ url: ":memory:" });
    try {
      await migrate(client);
      await client.execute("INSERT INTO __hotfn_migrations (idx, tag, applied_at) VALUES (999, '0999_future', 0)");
      await expect(migrate(client)).rejects.toBeInstanceOf(SchemaTooNew);
    } finally {
      client.close();
    }
  });
});

describe("migrations on PostgreSQL", () => {
  it.skipIf(!withPostgres)("apply once, and refuse a database migrated by a newer hotfn", async () => {
    const url = await (await postgres.get()).database();
    const client = new SQL(url, { max: 1 });
    try {
      expect(await migratePostgres(client)).toEqual(PG_MIGRATIONS.map((m) => m.tag));
      expect(await migratePostgres(client)).toEqual([]);
      await client`INSERT INTO __hotfn_migrations (idx, tag, applied_at) VALUES (999, '0999_future', 0)`;
      await expect(migratePostgres(client)).rejects.toBeInstanceOf(SchemaTooNew);
    } finally {
      await client.close();
    }
  });

  it.skipIf(!withPostgres)("are applied by one of several nodes starting together, the others waiting for it", async () => {
    const url = await (await postgres.get()).database();
    const stores: Store[] = await Promise.all([1, 2, 3].map(() => openStore({ url, log: silent })));
    try {
      await stores[0]!.apps.create("together", {});
      for (const s of stores) expect((await s.apps.get("together")).name).toBe("together");
    } finally {
      for (const s of stores) await s.close();
    }
  });
});

describe("the two schemas", () => {
  it("keep the same tables and columns (store/schema.ts and its twin store/pg/schema.ts)", async () => {
    const sqlite = await import("../src/store/schema.ts");
    const pg = await import("../src/store/pg/schema.ts");
    const shape = (schema: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(schema)
          .filter(([, t]) => is(t, Table))
          .map(([name, t]) => [name, Object.values(getTableColumns(t as Table)).map((c) => `${c.name}${c.notNull ? "" : "?"}`).sort()]),
      );
    expect(Object.keys(shape(sqlite)).sort()).toEqual(["apps", "calls", "changes", "nodes", "queueDepth", "routes"]);
    expect(Object.keys(shape(pg)).sort()).toEqual(Object.keys(shape(sqlite)).sort());
    expect(shape(pg)).toEqual(shape(sqlite));
  });
});

describe("the embedded migrations", () => {
  it("are current for both dialects (regenerate with bun run db:generate)", async () => {
    for (const set of MIGRATION_SETS) expect(await Bun.file(join(ROOT, set.out)).text()).toBe(await renderMigrations(set));
  });
});

describe("the hotfn process and its database file", () => {
  it("keeps apps and routes across a restart on the same file", async () => {
    const dir = tempDir();
    const first = await startServer({ dir });
    await first.json("/v1/apps/survivor/routes", { method: "POST", body: { route: { path: "/still/here", image: "busybox", config: { A: "1" } } } });
    expect(await first.stop()).toBe(0);

    const second = await startServer({ dir });
    try {
      const route = await second.json("/v1/apps/survivor/routes/still/here");
      expect(route.status).toBe(200);
      expect(route.body.route).toMatchObject({ path: "/still/here", config: { A: "1" } });
      expect(second.logs()).not.toContain("database migrated");
    } finally {
      await second.stop();
    }
  });

  it("refuses to start on a database migrated by a newer hotfn, saying why, with a non-zero exit", async () => {
    const dir = tempDir();
    const first = await startServer({ dir });
    await first.json("/v1/apps", { method: "POST", body: { app: { name: "old" } } });
    await first.stop();
    const db = new Database(join(dir, "hotfn.db"));
    db.run("INSERT INTO __hotfn_migrations (idx, tag, applied_at) VALUES (999, '0999_future', 0)");
    db.close();

    const proc = Bun.spawn([process.execPath, join(ROOT, "src/main.ts")], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", PORT: "0", HOST: "127.0.0.1", DB_URL: `file:${join(dir, "hotfn.db")}`, HOTFN_NODE: `test-new-${crypto.randomUUID().slice(0, 8)}` },
      stdout: "pipe",
      stderr: "pipe",
    });
    const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
    const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
    clearTimeout(timer);
    expect(code).not.toBe(0);
    expect(stderr).toContain("newer than this hotfn");
    expect(stderr).not.toContain('"msg":"listening"');
    // The database is left as it was.
    const check = new Database(join(dir, "hotfn.db"), { readonly: true });
    expect(check.query("SELECT name FROM apps").all()).toEqual([{ name: "old" }]);
    check.close();
  });
});
