/**
 * App queries on PostgreSQL: the twin of store/apps.ts, whose AppRepo contract it keeps.
 * @module
 */
import { and, asc, eq, gt, notExists, sql } from "drizzle-orm";
import type { BunSQLDatabase } from "drizzle-orm/bun-sql";
import { Conflict, Invalid, NotFound } from "../../errors.ts";
import type { App } from "../../model.ts";
import type { AppRepo } from "../apps.ts";
import { decodeCursor, pageOf } from "../cursor.ts";
import { mergeMap } from "../merge.ts";
import { apps, routes } from "./schema.ts";

/** `changed`: see store/apps.ts. */
export function createPgAppRepo(db: BunSQLDatabase, changed: () => Promise<void>): AppRepo {
  const get = async (name: string): Promise<App> => {
    const [row] = await db.select().from(apps).where(eq(apps.name, name)).limit(1);
    if (!row) throw new NotFound(`App not found: ${name}`);
    return row;
  };

  return {
    async create(name, config) {
      const rows = await db.insert(apps).values({ name, config: mergeMap({}, config) }).onConflictDoNothing().returning();
      if (!rows[0]) throw new Conflict(`App already exists: ${name}`);
      await changed();
      return rows[0];
    },

    get,

    async list({ perPage, cursor }) {
      const after = decodeCursor(cursor);
      const rows = await db
        .select()
        .from(apps)
        .where(after === undefined ? undefined : gt(apps.name, after))
        .orderBy(asc(apps.name))
        .limit(perPage + 1);
      return pageOf(rows, perPage, (a) => a.name);
    },

    async update(name, patch) {
      const current = await get(name);
      if (patch.config === undefined) return current;
      const config = mergeMap(current.config, patch.config);
      const rows = await db.update(apps).set({ config, updatedAt: new Date() }).where(eq(apps.name, name)).returning();
      if (!rows[0]) throw new NotFound(`App not found: ${name}`);
      await changed();
      return rows[0];
    },

    async delete(name) {
      const deleted = await db
        .delete(apps)
        .where(and(eq(apps.name, name), notExists(db.select({ one: sql`1` }).from(routes).where(eq(routes.appName, name)))))
        .returning({ name: apps.name });
      if (deleted.length === 0) {
        await get(name);
        throw new Invalid(`Cannot remove apps with routes: app ${name} still has routes; delete them first`, "app");
      }
      await changed();
    },
  };
}
