/**
 * Route queries (SQLite; the PostgreSQL twin is pg/routes.ts). Contract: creating a route creates its
 * app when missing (one atomic batch); duplicate paths throw Conflict; a missing app or route throws
 * NotFound. Every write reaches the change feed before it resolves, so the route cache and the
 * runner drop what they hold.
 * @module
 */
import { and, asc, eq, gt } from "drizzle-orm";
import type { LibSQLDatabase } from "drizzle-orm/libsql";
import { Conflict, NotFound } from "../errors.ts";
import type { HeaderMap, Page, Route, StringMap } from "../model.ts";
import type { AppRepo } from "./apps.ts";
import { decodeCursor, type PageQuery, pageOf } from "./cursor.ts";
import { isPattern, pathShape } from "../paths.ts";
import { mergeMap } from "./merge.ts";
import { apps, routes } from "./schema.ts";

export type NewRoute = Omit<Route, "createdAt" | "updatedAt">;
export type RoutePatch = Partial<Pick<Route, "image" | "type" | "format" | "memory" | "timeout" | "idleTimeout" | "user">> & {
  config?: StringMap;
  headers?: HeaderMap;
};

export interface RouteRepo {
  create(route: NewRoute): Promise<Route>;
  /** Throws NotFound for a missing app or route. */
  get(appName: string, path: string): Promise<Route>;
  /** Ordered by path. Throws NotFound for a missing app. */
  list(appName: string, q: PageQuery): Promise<Page<Route>>;
  /** Every route of an app: for the call path's cache, not for listing. */
  allOf(appName: string): Promise<Route[]>;
  /** Merges config and headers (an empty value removes a key). Throws NotFound. */
  update(appName: string, path: string, patch: RoutePatch): Promise<Route>;
  /** Throws NotFound. */
  delete(appName: string, path: string): Promise<void>;
}

/** A PATCH value that removes a header: no values, or only empty ones. */
const isEmptyHeader = (v: string[]) => v.length === 0 || v.every((s) => s === "");

/** A new route's row: empty config values and empty headers dropped, as a PATCH would. */
export function newRouteValues(route: NewRoute): NewRoute {
  return { ...route, config: mergeMap({}, route.config), headers: mergeMap({}, route.headers, isEmptyHeader) };
}

/** The config and headers of `current` once `patch` is merged in (an empty value removes a key). */
export function mergedMaps(current: Route, patch: RoutePatch): { config: StringMap; headers: HeaderMap } {
  return {
    config: patch.config === undefined ? current.config : mergeMap(current.config, patch.config),
    headers: patch.headers === undefined ? current.headers : mergeMap(current.headers, patch.headers, isEmptyHeader),
  };
}

/**
 * Refuses a pattern route whose twin (a pattern of the same shape) exists among `paths`: both would
 * match the same requests and the second could never be reached. A check, not a constraint: two such
 * writes at the same instant could both pass it.
 */
export function refusePatternTwin(route: NewRoute, paths: string[]): void {
  if (!isPattern(route.path)) return;
  const shape = pathShape(route.path);
  const twin = paths.find((p) => isPattern(p) && pathShape(p) === shape);
  if (twin) throw new Conflict(`Route already exists: ${twin} in app ${route.appName} matches the same requests as ${route.path}`);
}

/** `changed`: see createAppRepo. */
export function createRouteRepo(db: LibSQLDatabase, appRepo: AppRepo, changed: () => Promise<void>): RouteRepo {
  const byKey = (appName: string, path: string) => and(eq(routes.appName, appName), eq(routes.path, path));

  const get = async (appName: string, path: string): Promise<Route> => {
    const row = await db.select().from(routes).where(byKey(appName, path)).get();
    if (row) return row;
    await appRepo.get(appName);
    throw new NotFound(`Route not found: ${path} in app ${appName}`);
  };

  return {
    async create(route) {
      if (isPattern(route.path)) {
        refusePatternTwin(route, (await db.select({ path: routes.path }).from(routes).where(eq(routes.appName, route.appName))).map((r) => r.path));
      }
      const [, inserted] = await db.batch([
        db.insert(apps).values({ name: route.appName, config: {} }).onConflictDoNothing(),
        db.insert(routes).values(newRouteValues(route)).onConflictDoNothing().returning(),
      ]);
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
