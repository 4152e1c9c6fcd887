/**
 * Call records: /v1/calls/{call}, its log, and /v1/apps/{app}/calls/{route} (newest first,
 * filterable by status).
 * @module
 */
import { Hono } from "hono";
import { NotFound } from "../errors.ts";
import * as v from "valibot";
import { CALL_STATUSES } from "../model.ts";
import type { Store } from "../store/index.ts";
import { parseParam, readPaging } from "./body.ts";
import { callJson } from "./serialize.ts";

const statusFilter = v.optional(v.picklist(CALL_STATUSES, `must be one of ${CALL_STATUSES.join(", ")}`));

export function callsApi(store: Store) {
  return new Hono()
    .get("/calls/:call", async (c) => {
      const call = await store.calls.get(c.req.param("call"));
      return c.json({ message: "Successfully loaded call", call: callJson(call) });
    })
    .get("/calls/:call/log", async (c) => {
      const id = c.req.param("call");
      const log = await store.calls.log(id);
      if ((c.req.header("accept") ?? "").startsWith("text/plain")) return c.text(log);
      return c.json({ log: { call_id: id, log } });
    })
    .get("/calls/:call/output", async (c) => {
      const id = c.req.param("call");
      const output = await store.calls.output(id);
      if (output === null) throw new NotFound(`call ${id} has no recorded output (only async calls keep theirs, once finished)`);
      return c.body(output as Uint8Array<ArrayBuffer>, 200, { "Content-Type": "application/octet-stream" });
    })
    .get("/apps/:app/calls/:route{.+}", async (c) => {
      const appName = c.req.param("app");
      const raw = c.req.param("route");
      const path = raw.startsWith("/") ? raw : `/${raw}`;
      const status = parseParam("status", statusFilter, c.req.query("status"));
      await store.routes.get(appName, path);
      const page = await store.calls.list(appName, path, { ...readPaging(c), status });
      return c.json({ calls: page.items.map(callJson), next_cursor: page.nextCursor ?? undefined });
    });
}
