/**
 * hotfn's records in the v1 wire shape (snake_case, RFC 3339 UTC times).
 * @module
 */
import type { App, Call, Route } from "../model.ts";

const time = (d: Date | null) => (d === null ? undefined : d.toISOString());

export function appJson(a: App) {
  return { name: a.name, config: a.config, created_at: time(a.createdAt), updated_at: time(a.updatedAt) };
}

export function routeJson(r: Route) {
  return {
    app_name: r.appName,
    path: r.path,
    image: r.image,
    type: r.type,
    format: r.format,
    memory: r.memory,
    timeout: r.timeout,
    idle_timeout: r.idleTimeout,
    user: r.user,
    headers: r.headers,
    config: r.config,
    created_at: time(r.createdAt),
    updated_at: time(r.updatedAt),
  };
}

export function callJson(c: Call) {
  return {
    id: c.id,
    status: c.status,
    app_name: c.appName,
    path: c.path,
    created_at: time(c.createdAt),
    started_at: time(c.startedAt),
    completed_at: time(c.completedAt),
    error: c.error ?? undefined,
    attempts: c.attempts,
  };
}
