/**
 * App queries (SQLite; the PostgreSQL twin is pg/apps.ts). Contract: missing apps throw NotFound,
 * duplicates throw Conflict, deleting an app that still has routes throws Invalid (the v1 API
 * answers 400 for it). Every write reaches the change feed before it resolves.
 * @module
 */
import { and, asc, eq, gt, notExists, sql } from "drizzle-orm";
import type { LibSQLDatabase } from "drizzle-orm/libsql";
import { Conflict, Invalid, NotFound } from "../errors.ts";
import type { App, Page, StringMap } from "../model.ts";
import { decodeCursor, type PageQuery, pageOf } from "./cursor.ts";
import { mergeMap } from "./merge.ts";
import { apps, routes } from "./schema.ts";

export interface AppRepo {
  create(name: string, config: StringMap): Promise<App>;
  /** Throws NotFound. */
  get(name: string): Promise<App>;
  /** Ordered by name. */
  list(q: PageQuery): Promise<Page<App>>;
  /** Merges `config` (an empty-string value removes the key). Throws NotFound. */
  update(name: string, patch: { config?: StringMap }): Promise<App>;
  /** Throws NotFound, or Invalid while the app has routes. */
  delete(name: string): Promise<void>;
}

/**
 * `changed` carries the change log (appended by triggers in the write's own transaction) to the
 * change feed: each write awaits it, so its writer sees the change at once (store/change-watch.ts).
 */
export function createAppRepo(db: LibSQLDatabase, changed: () => Promise<void>): AppRepo {
  const get = async (name: string): Promise<App> => {
    const row = await db.select().from(apps).where(eq(apps.name, name)).get();
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
