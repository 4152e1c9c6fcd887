/** Small factories for behaviour tests: routes over the API, calls over /r/, waits on conditions. */
import { expect } from "bun:test";
import { containersOf, type TestServer } from "./server.ts";

export const img = (name: string) => `hotfn-test/${name}:latest`;

export interface RouteFixture {
  image: string;
  format?: "default" | "http" | "json" | "http-stream";
  type?: "sync" | "async";
  memory?: number;
  timeout?: number;
  idle_timeout?: number;
  user?: string;
  config?: Record<string, string>;
  headers?: Record<string, string | string[]>;
}

/** Creates `path` in `app` (the app too, when missing) and fails the test if the API refuses. */
export async function createRoute(s: TestServer, app: string, path: string, route: RouteFixture): Promise<void> {
  const r = await s.json(`/v1/apps/${app}/routes`, { method: "POST", body: { route: { path, ...route } } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

/** Calls a function; returns status, headers and the body as text. */
export async function invoke(s: TestServer, app: string, path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await s.fetch(`/r/${app}${path}`, { method: "POST", ...init });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Polls `check` until it returns true or `ms` passes; returns the last result. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 10_000, every = 50): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await Bun.sleep(every);
  }
}

/** `docker inspect` of one container. */
export function inspectContainer(id: string): any {
  return JSON.parse(Bun.spawnSync(["docker", "inspect", id]).stdout.toString())[0];
}

/**
 * `c` (inspected) has no network: its own empty namespace (`none`), or that of one of `node`'s
 * namespace holders, itself `none`, which no other running function container shares.
 */
export function expectNoNetwork(node: string, c: any): void {
  const mode: string = c.HostConfig.NetworkMode;
  if (mode === "none") return;
  expect(mode).toStartWith("container:");
  const holder = inspectContainer(mode.slice("container:".length));
  expect(holder.Config.Labels).toMatchObject({ "hotfn.node": node, "hotfn.role": "netns" });
  expect(holder.HostConfig).toMatchObject({ NetworkMode: "none", CapDrop: ["ALL"], ReadonlyRootfs: true });
  const sharers = containersOf(node).map(inspectContainer).filter((o) => o.State.Running && o.HostConfig.NetworkMode === mode);
  expect(sharers.map((o) => o.Id)).toEqual([c.Id]);
}
