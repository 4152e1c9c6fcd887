/**
 * Bounded storage over real HTTP: finished calls older than HOTFN_CALL_RETENTION are deleted (queued
 * ones never), and queued async bodies are capped by HOTFN_MAX_QUEUED_BYTES (503 + Retry-After past
 * it, nothing accepted lost).
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createRoute, eventually, invoke } from "./helpers/fixtures.ts";
import { ensureImages, IMAGES } from "./helpers/images.ts";
import { startServer, type TestServer } from "./helpers/server.ts";

const T = 60_000;
const WORKER = `worker-${crypto.randomUUID()}`;

describe("HOTFN_CALL_RETENTION", () => {
  let s: TestServer;
  beforeAll(async () => {
    await ensureImages();
    s = await startServer({ env: { HOTFN_CALL_RETENTION: "2s", HOTFN_ASYNC_WORKERS: "0" } });
    await createRoute(s, "kept", "/sync", { image: IMAGES.echo, format: "http" });
    await createRoute(s, "kept", "/later", { image: IMAGES.echo, format: "http", type: "async" });
  }, T);
  afterAll(async () => {
    await s.stop();
  }, T);

  it("deletes a finished call, its log with it, once it is older than the retention; a queued call stays", async () => {
    const done = await invoke(s, "kept", "/sync", { body: "old news" });
    expect(done.status).toBe(200);
    const id = done.headers.get("fn-call-id")!;
    const queued = (await s.json("/r/kept/later", { method: "POST", body: "waits" })).body.call_id as string;
    expect(await eventually(async () => (await s.json(`/v1/calls/${id}`)).body?.call?.status === "success")).toBe(true);

    expect(await eventually(async () => (await s.json(`/v1/calls/${id}`)).status === 404, 20_000)).toBe(true);
    expect((await s.json(`/v1/calls/${id}/log`)).status).toBe(404);
    const still = await s.json(`/v1/calls/${queued}`);
    expect(still.status).toBe(200);
    expect(still.body.call.status).toBe("queued");
  }, T);
});

describe("HOTFN_MAX_QUEUED_BYTES", () => {
  let s: TestServer;
  beforeAll(async () => {
    await ensureImages();
    s = await startServer({ env: { HOTFN_MAX_QUEUED_BYTES: "1000", HOTFN_ASYNC_WORKERS: "0", HOTFN_WORKER_TOKEN: WORKER } });
    await createRoute(s, "capped", "/later", { image: IMAGES.echo, format: "http", type: "async" });
  }, T);
  afterAll(async () => {
    await s.stop();
  }, T);

  const post = (bytes: number) => s.fetch("/r/capped/later", { method: "POST", body: "x".repeat(bytes) });

  it("answers 503 with Retry-After past the cap, keeps what it accepted, and takes calls again once the queue drains", async () => {
    const first = await post(600);
    expect(first.status).toBe(202);
    const id = ((await first.json()) as { call_id: string }).call_id;
    const refused = await post(600);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("of 1000 bytes");
    expect((await s.json(`/v1/calls/${id}`)).body.call.status).toBe("queued");

    const auth = { authorization: `Bearer ${WORKER}` };
    const task = (await s.json("/tasks", { headers: auth })).body.task;
    expect(task.id).toBe(id);
    expect((await s.json("/tasks", { method: "DELETE", headers: auth, body: { task: { id, lease: task.lease } } })).status).toBe(200);
    expect((await post(600)).status).toBe(202);
  }, T);
});
