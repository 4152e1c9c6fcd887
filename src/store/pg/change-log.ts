/**
 * The change log on PostgreSQL: reads of the `changes` table that triggers append to, one writer at
 * a time, on every app and route write (drizzle-pg/0001_triggers.sql). See change-watch.ts.
 * @module
 */
import { asc, gt, lt, max } from "drizzle-orm";
import type { BunSQLDatabase } from "drizzle-orm/bun-sql";
import type { ChangeLogRepo } from "../change-watch.ts";
import { changes } from "./schema.ts";

export function createPgChangeLogRepo(db: BunSQLDatabase): ChangeLogRepo {
  return {
    async latest() {
      const [row] = await db.select({ seq: max(changes.seq) }).from(changes);
      return Number(row?.seq ?? 0);
    },
    async after(seq, limit) {
      const rows = await db.select().from(changes).where(gt(changes.seq, seq)).orderBy(asc(changes.seq)).limit(limit);
      return rows.map((r) => ({ seq: r.seq, appName: r.appName, kind: r.kind, ...(r.path === null ? {} : { path: r.path }) }));
    },
    async prune(before) {
      await db.delete(changes).where(lt(changes.at, before));
    },
  };
}
