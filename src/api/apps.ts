/**
 * /v1/apps: list, create, get, patch, delete.
 * @module
 */
import { Hono } from "hono";
import { Invalid } from "../errors.ts";
import type { Store } from "../store/index.ts";
import { mergeMap } from "../store/merge.ts";
import { parseParam, readJson, readPaging } from "./body.ts";
import { appName, AppWrapper, checkConfigFits } from "./schemas.ts";
import { appJson } from "./serialize.ts";

export function appsApi(store: Store) {
  return new Hono()
    .get("/", async (c) => {
      const page = await store.apps.list(readPaging(c));
      return c.json({ apps: page.items.map(appJson), next_cursor: page.nextCursor ?? undefined });
    })
    .post("/", async (c) => {
      const { app } = await readJson(c, AppWrapper);
      if (app.name === undefined) throw new Invalid("Missing app name: app.name is required", "app.name");
      const created = await store.apps.create(app.name, app.config ?? {});
      return c.json({ message: "App successfully created", app: appJson(created) });
    })
    .get("/:app", async (c) => {
      return c.json({ app: appJson(await store.apps.get(c.req.param("app"))) });
    })
    .patch("/:app", async (c) => {
      const name = c.req.param("app");
      const { app } = await readJson(c, AppWrapper);
      if (app.name !== undefined && app.name !== name) throw new Invalid("Could not update app - name is immutable: app.name is read-only", "app.name");
      if (app.config !== undefined) {
        const config = mergeMap((await store.apps.get(name)).config, app.config);
        for (const route of await store.routes.allOf(name)) checkConfigFits(config, route.config, "app.config");
      }
      const updated = await store.apps.update(name, app.config === undefined ? {} : { config: app.config });
      return c.json({ message: "App successfully updated", app: appJson(updated) });
    })
    .delete("/:app", async (c) => {
      await store.apps.delete(parseParam("app", appName, c.req.param("app")));
      return c.json({ message: "App successfully deleted" });
    });
}
