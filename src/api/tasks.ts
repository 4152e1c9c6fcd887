/**
 * The external worker door of the original server, mounted at /tasks and /v1/tasks: GET hands the
 * next queued async call to one consumer (no other consumer, in-process workers included, gets it),
 * DELETE acknowledges it with its outcome.
 * @module
 */
import { Hono } from "hono";
import * as v from "valibot";
import { NotFound } from "../errors.ts";
import { toInvocation } from "../queue/stored-call.ts";
import { callEnv } from "../runner/contract.ts";
import type { CallQueueRepo, ClaimedCall } from "../store/call-queue.ts";
import type { ResolvedRoute, RouteCache } from "../store/route-cache.ts";
import { readJson } from "./body.ts";

/**
 * Calls handed out here are leased to `tasks#<token>`, a token per hand-out that the task carries as
 * `lease`. An ack that sends it back must match it; one without it (a v1 client) is taken for any
 * hand-out of this door, on any node.
 */
export const TASKS_PREFIX = "tasks#";

/** Claims whose route vanished are closed as errors; past this many in one GET, answer "none". */
const MAX_SKIPPED = 20;

export interface TasksDeps {
  queue: CallQueueRepo;
  routeCache: RouteCache;
  /** config.asyncLeaseMs: a consumer gets this long beyond its route's timeout to acknowledge */
  leaseMs: number;
}

const Ack = v.object({
  task: v.object({
    id: v.pipe(v.string(), v.minLength(1)),
    lease: v.optional(v.pipe(v.string(), v.startsWith(TASKS_PREFIX, `lease must be the one GET /tasks handed out`))),
    status: v.optional(v.picklist(["success", "error", "timeout", "cancelled"], "must be success, error, timeout or cancelled"), "success"),
    error: v.optional(v.string()),
    output: v.optional(v.string()),
    log: v.optional(v.string()),
  }),
});

export function tasksApi({ queue, routeCache, leaseMs }: TasksDeps) {
  return new Hono()
    .get("/", async (c) => {
      for (let skipped = 0; skipped < MAX_SKIPPED; skipped++) {
        const lease = `${TASKS_PREFIX}${crypto.randomUUID()}`;
        const call = await queue.claim(lease, leaseMs);
        if (!call) break;
        const resolved = await routeCache.resolve(call.appName, call.path).catch((err: unknown) => {
          if (err instanceof NotFound) return null;
          throw err;
        });
        if (resolved === null || resolved.route.path !== call.path) {
          await queue.complete(call.id, lease, {
            status: "error",
            startedAt: null,
            completedAt: new Date(),
            error: `route ${call.path} of app ${call.appName} no longer exists`,
            log: "",
          });
          continue;
        }
        // A consumer cannot renew: give it the route's whole run time on top of the lease.
        await queue.renew(call.id, lease, leaseMs + resolved.route.timeout * 1000);
        return c.json({ task: { ...taskJson(call, resolved), lease } });
      }
      return c.json({ task: null });
    })
    .delete("/", async (c) => {
      const { task } = await readJson(c, Ack);
      const done = await queue.complete(task.id, task.lease ?? { prefix: TASKS_PREFIX }, {
        status: task.status,
        startedAt: null,
        completedAt: new Date(),
        error: task.error ?? null,
        log: task.log ?? "",
        output: task.output === undefined ? null : new TextEncoder().encode(task.output),
      });
      if (!done) throw new NotFound(`task ${task.id} is not held through /tasks: unknown, already acknowledged, or its lease lapsed`);
      return c.json({ message: "Task acknowledged", task: { id: task.id, status: task.status } });
    });
}

function taskJson(call: ClaimedCall, resolved: ResolvedRoute) {
  const { route } = resolved;
  return {
    id: call.id,
    app_name: call.appName,
    path: call.path,
    image: route.image,
    payload: new TextDecoder().decode(call.payload),
    status: "running",
    created_at: call.createdAt.toISOString(),
    attempts: call.attempts,
    format: route.format,
    timeout: route.timeout,
    memory: route.memory,
    // the environment a `default`-format container of this call would get, so a consumer can run
    // the image as hotfn would
    env_vars: callEnv(toInvocation(call, resolved)),
  };
}
