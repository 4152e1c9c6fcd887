/**
 * /v1/apps/{app}/routes: list, create (creating the app when missing), get, patch, delete. Route
 * paths contain slashes, so `{route}` is the rest of the URL.
 * @module
 */
import { Hono } from "hono";
import { Invalid, NotFound } from "../errors.ts";
import { ROUTE_DEFAULTS } from "../model.ts";
import type { ImagePolicy } from "../image-policy.ts";
import type { Store } from "../store/index.ts";
import { mergeMap } from "../store/merge.ts";
import type { RoutePatch } from "../store/routes.ts";
import { parseParam, readJson, readPaging } from "./body.ts";
import { appName, checkConfigFits, normalizeHeaders, type RouteInput, RouteWrapper } from "./schemas.ts";
import { routeJson } from "./serialize.ts";

const routeParam = (raw: string) => (raw.startsWith("/") ? raw : `/${raw}`);

export interface RoutesApiOptions {
  /** HOTFN_MAX_MEMORY: a route that needs more could never start */
  maxMemoryMiB: number;
  /** HOTFN_ALLOWED_IMAGES: a route's image is refused when written, not when called */
  images: ImagePolicy;
}

export function routesApi(store: Store, { maxMemoryMiB, images }: RoutesApiOptions) {
  /** Throws Invalid for what this hotfn would refuse to run. */
  const checkRunnable = (route: RouteInput) => {
    if (route.memory !== undefined && route.memory > maxMemoryMiB) {
      throw new Invalid(`route.memory: must be at most ${maxMemoryMiB} MiB, what this hotfn may reserve for containers (HOTFN_MAX_MEMORY)`, "route.memory");
    }
    if (route.image !== undefined && !images.allows(route.image)) {
      throw new Invalid(`route.image: ${route.image} is not allowed here (HOTFN_ALLOWED_IMAGES: ${images.patterns?.join(", ")})`, "route.image");
    }
  };
  return new Hono()
    .get("/:app/routes", async (c) => {
      const page = await store.routes.list(c.req.param("app"), readPaging(c));
      return c.json({ routes: page.items.map(routeJson), next_cursor: page.nextCursor ?? undefined });
    })
    .post("/:app/routes", async (c) => {
      const app = parseParam("app", appName, c.req.param("app"));
      const { route } = await readJson(c, RouteWrapper);
      if (route.path === undefined) throw new Invalid("Missing route Path: route.path is required", "route.path");
      if (route.image === undefined) throw new Invalid("Missing route Image: route.image is required", "route.image");
      checkRunnable(route);
      const appConfig = await store.apps.get(app).then((a) => a.config, (err: unknown) => (err instanceof NotFound ? {} : Promise.reject(err)));
      checkConfigFits(appConfig, route.config ?? {}, "route.config");
      const created = await store.routes.create({
        appName: app,
        path: route.path,
        image: route.image,
        type: route.type ?? ROUTE_DEFAULTS.type,
        format: route.format ?? ROUTE_DEFAULTS.format,
        memory: route.memory ?? ROUTE_DEFAULTS.memory,
        timeout: route.timeout ?? ROUTE_DEFAULTS.timeout,
        idleTimeout: route.idle_timeout ?? ROUTE_DEFAULTS.idleTimeout,
        user: route.user ?? ROUTE_DEFAULTS.user,
        headers: normalizeHeaders(route.headers) ?? {},
        config: route.config ?? {},
      });
      return c.json({ message: "Route successfully created", route: routeJson(created) });
    })
    .get("/:app/routes/:route{.+}", async (c) => {
      const route = await store.routes.get(c.req.param("app"), routeParam(c.req.param("route")));
      return c.json({ route: routeJson(route) });
    })
    .patch("/:app/routes/:route{.+}", async (c) => {
      const path = routeParam(c.req.param("route"));
      const { route } = await readJson(c, RouteWrapper);
      if (route.path !== undefined && route.path !== path) throw new Invalid("Could not update route - path is immutable: route.path is read-only", "route.path");
      checkRunnable(route);
      if (route.config !== undefined) {
        const current = await store.routes.get(c.req.param("app"), path);
        const app = await store.apps.get(c.req.param("app"));
        checkConfigFits(app.config, mergeMap(current.config, route.config), "route.config");
      }
      const updated = await store.routes.update(c.req.param("app"), path, toPatch(route));
      return c.json({ message: "Route successfully updated", route: routeJson(updated) });
    })
    .delete("/:app/routes/:route{.+}", async (c) => {
      await store.routes.delete(c.req.param("app"), routeParam(c.req.param("route")));
      return c.json({ message: "Route successfully deleted" });
    });
}

function toPatch(r: RouteInput): RoutePatch {
  const patch: RoutePatch = {};
  if (r.image !== undefined) patch.image = r.image;
  if (r.type !== undefined) patch.type = r.type;
  if (r.format !== undefined) patch.format = r.format;
  if (r.memory !== undefined) patch.memory = r.memory;
  if (r.timeout !== undefined) patch.timeout = r.timeout;
  if (r.idle_timeout !== undefined) patch.idleTimeout = r.idle_timeout;
  if (r.user !== undefined) patch.user = r.user;
  if (r.headers !== undefined) patch.headers = normalizeHeaders(r.headers)!;
  if (r.config !== undefined) patch.config = r.config;
  return patch;
}
