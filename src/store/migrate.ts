/**
 * Applies the embedded migrations at start-up, each in one atomic batch, and refuses a database whose
 * schema is newer than this binary (a downgrade would silently misread it).
 * @module
 */
import type { Client } from "@libsql/client";
import { MIGRATIONS, type Migration } from "./migrations.gen.ts";

const LEDGER = "__hotfn_migrations";

/** Thrown when the database was migrated by a newer hotfn. */
export class SchemaTooNew extends Error {
  constructor(dbLatest: number, known: number) {
    super(`database schema is at migration ${dbLatest}, newer than this hotfn knows (${known}); upgrade hotfn`);
    this.name = "SchemaTooNew";
  }
}

/** Brings `client` up to the newest migration; returns the tags it applied. */
export async function migrate(client: Client, migrations: Migration[] = MIGRATIONS): Promise<string[]> {
  await client.execute(
    `CREATE TABLE IF NOT EXISTS ${LEDGER} (idx integer PRIMARY KEY, tag text NOT NULL, applied_at integer NOT NULL)`,
  );
  const { rows } = await client.execute(`SELECT coalesce(max(idx), -1) AS latest FROM ${LEDGER}`);
  const latest = Number(rows[0]?.latest ?? -1);
  const known = migrations.at(-1)?.idx ?? -1;
  if (latest > known) throw new SchemaTooNew(latest, known);

  const applied: string[] = [];
  for (const m of migrations.filter((m) => m.idx > latest)) {
    await client.batch(
      [
        ...m.statements,
        { sql: `INSERT INTO ${LEDGER} (idx, tag, applied_at) VALUES (?, ?, ?)`, args: [m.idx, m.tag, Date.now()] },
      ],
      "write",
    );
    applied.push(m.tag);
  }
  return applied;
}
