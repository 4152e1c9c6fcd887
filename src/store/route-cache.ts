/**
 * Route lookups for the call path: an app's routes are loaded once and served from memory until a
 * write to the app or one of its routes (announced on the change feed) drops them. Exact paths win
 * over patterns; among patterns, fewer parameters win.
 * @module
 */
import { NotFound } from "../errors.ts";
import type { App, Route } from "../model.ts";
import { isPattern, matchPath } from "../paths.ts";
import type { AppRepo } from "./apps.ts";
import type { ChangeFeed } from "./changes.ts";
import type { RouteRepo } from "./routes.ts";

export interface ResolvedRoute {
  app: App;
  route: Route;
  params: Record<string, string>;
}

export interface RouteCache {
  /** The route that serves `requestPath` in `appName`. Throws NotFound for a missing app or no match. */
  resolve(appName: string, requestPath: string): Promise<ResolvedRoute>;
}

interface AppRoutes {
  app: App;
  exact: Map<string, Route>;
  patterns: Route[];
}

export function createRouteCache(routes: RouteRepo, apps: AppRepo, changes: ChangeFeed): RouteCache {
  const cache = new Map<string, Promise<AppRoutes>>();
  changes.on((c) => cache.delete(c.appName));

  const load = async (appName: string): Promise<AppRoutes> => {
    const app = await apps.get(appName);
    const all = await routes.allOf(appName);
    const exact = new Map(all.filter((r) => !isPattern(r.path)).map((r) => [r.path, r]));
    const patterns = all.filter((r) => isPattern(r.path)).sort((a, b) => paramCount(a.path) - paramCount(b.path));
    return { app, exact, patterns };
  };

  return {
    async resolve(appName, requestPath) {
      let entry = cache.get(appName);
      if (!entry) {
        entry = load(appName);
        cache.set(appName, entry);
        // A failed load (missing app, database error) must not be served from the cache.
        entry.catch(() => cache.get(appName) === entry && cache.delete(appName));
      }
      const { app, exact, patterns } = await entry;
      const hit = exact.get(requestPath);
      if (hit) return { app, route: hit, params: {} };
      for (const route of patterns) {
        const params = matchPath(route.path, requestPath);
        if (params) return { app, route, params };
      }
      throw new NotFound(`Route not found: no route matches ${requestPath} in app ${appName}`);
    },
  };
}

function paramCount(path: string): number {
  return path.split("/:").length - 1;
}
