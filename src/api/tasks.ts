/**
 * The external worker door of the original server, mounted at /tasks and /v1/tasks (behind the
 * worker token): GET hands the next queued async call to one consumer (no other consumer, in-process
 * workers included, gets it), DELETE acknowledges it with its outcome and the lease it came with.
 * @module
 */
import { Hono } from "hono";
import * as v from "valibot";
import { Conflict } from "../errors.ts";
import type { Claim, Claims } from "../queue/claims.ts";
import { toInvocation } from "../queue/stored-call.ts";
import { callEnv } from "../runner/contract.ts";
import type { CallRepo } from "../store/calls.ts";
import { readJson } from "./body.ts";

/** Calls handed out here are leased to `tasks#<random>`, a token per hand-out that the task carries as `lease`. */
const TASKS_PREFIX = "tasks#";

export interface TasksDeps {
  claims: Claims;
  calls: CallRepo;
}

const Ack = v.object({
  task: v.object({
    id: v.pipe(v.string(), v.minLength(1)),
    lease: v.optional(v.string()),
    status: v.optional(v.picklist(["success", "error", "timeout", "cancelled"], "must be success, error, timeout or cancelled"), "success"),
    error: v.optional(v.string()),
    output: v.optional(v.string()),
    log: v.optional(v.string()),
  }),
});

export function tasksApi({ claims, calls }: TasksDeps) {
  return new Hono()
    .get("/", async (c) => {
      const lease = `${TASKS_PREFIX}${crypto.randomUUID()}`;
      const claim = await claims.next(lease);
      if (!claim) return c.json({ task: null });
      // A consumer cannot renew: give it the route's whole run time on top of the lease.
      await claims.renew(claim.call.id, lease, claim.resolved.route.timeout * 1000);
      return c.json({ task: taskJson(claim) });
    })
    .delete("/", async (c) => {
      const { task } = await readJson(c, Ack);
      // Only the holder of the current hand-out may say how the call ended: an ack without its lease,
      // with a stale one, or with an in-process worker's, changes nothing.
      const held =
        task.lease?.startsWith(TASKS_PREFIX) === true &&
        (await claims.record(task.id, task.lease, {
          status: task.status,
          startedAt: null,
          completedAt: new Date(),
          error: task.error ?? null,
          log: task.log ?? "",
          output: task.output === undefined ? null : new TextEncoder().encode(task.output),
        }));
      if (!held) {
        await calls.get(task.id); // NotFound for a call that never was
        throw new Conflict(
          task.lease === undefined
            ? `task ${task.id}: the acknowledgement must carry the lease GET /tasks handed out with the task`
            : `task ${task.id} is not held under this lease: already acknowledged, its lease lapsed and it was handed out again, or the lease is not this door's`,
        );
      }
      return c.json({ message: "Task acknowledged", task: { id: task.id, status: task.status } });
    });
}

function taskJson({ call, resolved, lease }: Claim) {
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
    lease,
  };
}
