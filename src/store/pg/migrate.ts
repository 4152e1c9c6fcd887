/**
 * Applies the embedded PostgreSQL migrations at start-up, all pending ones in one transaction, and
 * refuses a database whose schema is newer than this binary. Nodes starting together on an empty
 * database take turns (an advisory lock): one migrates, the others find nothing left to do.
 * @module
 */
import type { SQL } from "bun";
import { SchemaTooNew } from "../migrate.ts";
import { MIGRATIONS, type Migration } from "./migrations.gen.ts";

const LEDGER = "__hotfn_migrations";
/** pg_advisory_xact_lock key held while migrating (any fixed number; the change log uses another). */
const MIGRATION_LOCK = 7301200011;

/** Brings the database behind `client` up to the newest migration; returns the tags it applied. */
export async function migratePostgres(client: SQL, migrations: Migration[] = MIGRATIONS): Promise<string[]> {
  return client.begin(async (tx) => {
    await tx.unsafe(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    await tx.unsafe(`CREATE TABLE IF NOT EXISTS ${LEDGER} (idx integer PRIMARY KEY, tag text NOT NULL, applied_at bigint NOT NULL)`);
    const [row] = await tx.unsafe(`SELECT coalesce(max(idx), -1) AS latest FROM ${LEDGER}`);
    const latest = Number(row?.latest ?? -1);
    const known = migrations.at(-1)?.idx ?? -1;
    if (latest > known) throw new SchemaTooNew(latest, known);

    const applied: string[] = [];
    for (const m of migrations.filter((m) => m.idx > latest)) {
      for (const statement of m.statements) await tx.unsafe(statement);
      await tx.unsafe(`INSERT INTO ${LEDGER} (idx, tag, applied_at) VALUES ($1, $2, $3)`, [m.idx, m.tag, Date.now()]);
      applied.push(m.tag);
    }
    return applied;
  });
}
