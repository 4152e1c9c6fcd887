/**
 * The store: its contract on a libSQL file and on `:memory:`; route lists that stay bounded at 10,000
 * routes (the SQL asks for one page, never the lot); migrations applied once, and a database migrated
 * by a newer hotfn refused; data that survives a restart of the real process.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { createLogger } from "../src/log.ts";
import { createAppRepo } from "../src/store/apps.ts";
import { createChangeFeed } from "../src/store/changes.ts";
import { openStore } from "../src/store/index.ts";
import { migrate, SchemaTooNew } from "../src/store/migrate.ts";
import { MIGRATIONS } from "../src/store/migrations.gen.ts";
import { createRouteRepo } from "../src/store/routes.ts";
import { storeContract } from "./contracts/store.ts";
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

storeContract("libSQL file", () => openStore({ url: `file:${join(tempDir(), "hotfn.db")}`, log: silent }));
storeContract(":memory:", () => openStore({ url: ":memory:", log: silent }));

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
    const changes = createChangeFeed();
    repo = createRouteRepo(db, createAppRepo(db, changes), changes);
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
