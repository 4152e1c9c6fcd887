/**
 * The external worker door of the original server: GET /tasks hands out the next queued async call.
 * Until the async queue lands, the queue is always empty.
 * @module
 */
import { Hono } from "hono";

export function tasksApi() {
  return new Hono().get("/", (c) => c.json({ task: null }));
}
