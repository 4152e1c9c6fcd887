/**
 * GET handlers for a route's sub-resources (`/v1/apps/{app}/routes/{route}/stats`, `.../timeline`).
 * Route paths contain slashes, so these sit in front of the route GET and claim a path only when it
 * ends in their suffix and what comes before is a route; anything else (even a route whose own path
 * ends in the suffix) passes on to the plain route GET.
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { NotFound } from "../errors.ts";
import type { Store } from "../store/index.ts";

/** Mount under `/apps` as `.get("/:app/routes/*", routeSuffix(...))`. */
export function routeSuffix(store: Store, suffix: string, handle: (c: Context, app: string, path: string) => Response | Promise<Response>): MiddlewareHandler {
  return async (c, next) => {
    const appName = c.req.param("app") ?? "";
    const marker = `/${appName}/routes`;
    const full = c.req.path.slice(c.req.path.indexOf(marker) + marker.length);
    if (!full.endsWith(suffix) || full.length <= suffix.length + 1) return next();
    const path = full.slice(0, -suffix.length);
    // A missing route passes on to the route GET (whose own path may end in the suffix); a database
    // failure is an error, not "no such route".
    const exists = await store.routes.get(appName, path).then(
      () => true,
      (err: unknown) => (err instanceof NotFound ? false : Promise.reject(err)),
    );
    if (!exists) return next();
    return handle(c, appName, path);
  };
}
