/**
 * The change log on SQLite: reads of the `changes` table that triggers append to on every app and
 * route write (drizzle/0006_change_log_triggers.sql). See change-watch.ts for who reads it and why.
 * @module
 */
import { asc, gt, lt, max } from "drizzle-orm";
import type { LibSQLDatabase } from "drizzle-orm/libsql";
import type { ChangeLogRepo } from "./change-watch.ts";
import { changes } from "./schema.ts";

export function createChangeLogRepo(db: LibSQLDatabase): ChangeLogRepo {
  return {
    async latest() {
      const row = await db.select({ seq: max(changes.seq) }).from(changes).get();
      return row?.seq ?? 0;
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
