/**
 * /v1/apps/{app}/routes: list, create (creating the app when missing), get, patch, delete. Route
 * paths contain slashes, so `{route}` is the rest of the URL.
 * @module
 */
import { Hono } from "hono";
import { Invalid } from "../errors.ts";
import { ROUTE_DEFAULTS } from "../model.ts";
import type { Store } from "../store/index.ts";
import type { RoutePatch } from "../store/routes.ts";
import { parseParam, readJson, readPaging } from "./body.ts";
import { appName, normalizeHeaders, type RouteInput, RouteWrapper } from "./schemas.ts";
import { routeJson } from "./serialize.ts";

const routeParam = (raw: string) => (raw.startsWith("/") ? raw : `/${raw}`);

/** `maxMemoryMiB`: HOTFN_MAX_MEMORY; a route that needs more could never start. */
export function routesApi(store: Store, { maxMemoryMiB }: { maxMemoryMiB: number }) {
  const fitsBudget = (memory: number | undefined) => {
    if (memory !== undefined && memory > maxMemoryMiB) {
      throw new Invalid(`route.memory: must be at most ${maxMemoryMiB} MiB, what this hotfn may reserve for containers (HOTFN_MAX_MEMORY)`, "route.memory");
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
      if (route.path === undefined) throw new Invalid("route.path: is required", "route.path");
      if (route.image === undefined) throw new Invalid("route.image: is required", "route.image");
      fitsBudget(route.memory);
      const created = await store.routes.create({
        appName: app,
        path: route.path,
        image: route.image,
        type: route.type ?? ROUTE_DEFAULTS.type,
        format: route.format ?? ROUTE_DEFAULTS.format,
        memory: route.memory ?? ROUTE_DEFAULTS.memory,
        timeout: route.timeout ?? ROUTE_DEFAULTS.timeout,
        idleTimeout: route.idle_timeout ?? ROUTE_DEFAULTS.idleTimeout,
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
      if (route.path !== undefined && route.path !== path) throw new Invalid("route.path: is read-only", "route.path");
      fitsBudget(route.memory);
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
  if (r.headers !== undefined) patch.headers = normalizeHeaders(r.headers)!;
  if (r.config !== undefined) patch.config = r.config;
  return patch;
}
