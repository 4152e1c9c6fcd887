/**
 * Route queries on PostgreSQL: the twin of store/routes.ts, whose RouteRepo contract it keeps.
 * Creating a route and its missing app is one transaction.
 * @module
 */
import { and, asc, eq, gt } from "drizzle-orm";
import type { BunSQLDatabase } from "drizzle-orm/bun-sql";
import { Conflict, NotFound } from "../../errors.ts";
import type { Route } from "../../model.ts";
import { isPattern } from "../../paths.ts";
import type { AppRepo } from "../apps.ts";
import { decodeCursor, pageOf } from "../cursor.ts";
import { mergedMaps, newRouteValues, refusePatternTwin, type RouteRepo } from "../routes.ts";
import { apps, routes } from "./schema.ts";

/** `changed`: see store/apps.ts. */
export function createPgRouteRepo(db: BunSQLDatabase, appRepo: AppRepo, changed: () => Promise<void>): RouteRepo {
  const byKey = (appName: string, path: string) => and(eq(routes.appName, appName), eq(routes.path, path));

  const get = async (appName: string, path: string): Promise<Route> => {
    const [row] = await db.select().from(routes).where(byKey(appName, path)).limit(1);
    if (row) return row;
    await appRepo.get(appName);
    throw new NotFound(`Route not found: ${path} in app ${appName}`);
  };

  return {
    async create(route) {
      if (isPattern(route.path)) {
        refusePatternTwin(route, (await db.select({ path: routes.path }).from(routes).where(eq(routes.appName, route.appName))).map((r) => r.path));
      }
      const inserted = await db.transaction(async (tx) => {
        await tx.insert(apps).values({ name: route.appName, config: {} }).onConflictDoNothing();
        return tx.insert(routes).values(newRouteValues(route)).onConflictDoNothing().returning();
      });
      if (!inserted[0]) throw new Conflict(`Route already exists: ${route.path} in app ${route.appName}`);
      await changed();
      return inserted[0];
    },

    get,

    async list(appName, { perPage, cursor }) {
      const after = decodeCursor(cursor);
      const rows = await db
        .select()
        .from(routes)
        .where(and(eq(routes.appName, appName), after === undefined ? undefined : gt(routes.path, after)))
        .orderBy(asc(routes.path))
        .limit(perPage + 1);
      if (rows.length === 0) await appRepo.get(appName);
      return pageOf(rows, perPage, (r) => r.path);
    },

    async allOf(appName) {
      return db.select().from(routes).where(eq(routes.appName, appName));
    },

    async update(appName, path, patch) {
      const current = await get(appName, path);
      const rows = await db
        .update(routes)
        .set({ ...patch, ...mergedMaps(current, patch), updatedAt: new Date() })
        .where(byKey(appName, path))
        .returning();
      if (!rows[0]) throw new NotFound(`Route not found: ${path} in app ${appName}`);
      await changed();
      return rows[0];
    },

    async delete(appName, path) {
      const deleted = await db.delete(routes).where(byKey(appName, path)).returning({ path: routes.path });
      if (deleted.length === 0) {
        await get(appName, path);
        throw new NotFound(`Route not found: ${path} in app ${appName}`);
      }
      await changed();
    },
  };
}
