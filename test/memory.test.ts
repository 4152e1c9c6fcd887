/**
 * hotfn's memory under sustained calls (issue 16), a short bench/soak: hot http-stream and http
 * calls with async calls and route churn mixed in. What a call leaves behind must be garbage: the
 * heap measured after a forced full collection (HOTFN_DEBUG_HEAP) must not grow from one round of
 * calls to the next once warm.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createRoute } from "./helpers/fixtures.ts";
import { IMAGES, ensureImages } from "./helpers/images.ts";
import { startServer, type TestServer } from "./helpers/server.ts";

const CONCURRENCY = 8;
/** an async call every this many sync calls */
const ASYNC_EVERY = 50;

let s: TestServer;
beforeAll(async () => {
  await ensureImages();
  s = await startServer({ env: { HOTFN_DEBUG_HEAP: "1" } });
  await createRoute(s, "mem", "/stream", { image: IMAGES.echo, format: "http-stream", memory: 64 });
  await createRoute(s, "mem", "/http", { image: IMAGES.echo, format: "http", memory: 64 });
  await createRoute(s, "mem", "/async", { image: IMAGES.echo, format: "http-stream", memory: 64, type: "async" });
}, 300_000);
afterAll(async () => {
  await s.stop();
});

let churned = 0;
let asyncAccepted = 0;

/** `calls` sync calls, CONCURRENCY at a time over both hot formats, plus async calls and one churned route. */
async function round(calls: number): Promise<{ failed: string[] }> {
  const failed: string[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < calls; i = next++) {
      const path = i % 2 === 0 ? "/stream" : "/http";
      const res = await s.fetch(`/r/mem${path}`, { method: "POST", body: `call ${i}` });
      const text = await res.text();
      if (res.status !== 200 || text !== `call ${i}`) failed.push(`${path}: ${res.status} ${text.slice(0, 200)}`);
      if (i % ASYNC_EVERY === 0) {
        const a = await s.fetch("/r/mem/async", { method: "POST", body: "x" });
        await a.arrayBuffer();
        if (a.status === 202) asyncAccepted++;
        else failed.push(`/async: ${a.status}`);
      }
    }
  };
  const churn = async () => {
    const path = `/churn-${churned++}`;
    await createRoute(s, "mem", path, { image: IMAGES.echo, format: "http-stream", memory: 64 });
    const res = await s.fetch(`/r/mem${path}`, { method: "POST", body: "x" });
    await res.arrayBuffer();
    const del = await s.fetch(`/v1/apps/mem/routes${path}`, { method: "DELETE" });
    if (res.status !== 200 || del.status !== 200) failed.push(`${path}: call ${res.status}, delete ${del.status}`);
  };
  await Promise.all([...Array.from({ length: CONCURRENCY }, worker), churn()]);
  return { failed };
}

/** Async calls finished so far, from hotfn's own counter. */
async function asyncFinished(): Promise<number> {
  const text = await (await s.fetch("/metrics")).text();
  return text
    .split("\n")
    .filter((l) => l.startsWith("hotfn_calls_total{") && l.includes('route="/async"'))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
}

/** The heap after a full collection, once the async calls accepted so far have finished. */
async function heapAfterGc(): Promise<number> {
  while ((await asyncFinished()) < asyncAccepted) await Bun.sleep(50);
  // Sync call records are written off the response path (within about 200 ms); let them go.
  await Bun.sleep(500);
  const r = await s.json("/v1/debug/heap", { method: "POST" });
  expect(r.status).toBe(200);
  return r.body.heap_bytes;
}

describe("memory under sustained calls", () => {
  it("keeps the heap after a full collection flat from one round of 10,000 calls to the next", async () => {
    // Warm-up: containers, JIT tiers, caches and pools reach their working size.
    expect((await round(3000)).failed).toEqual([]);
    const warm = await heapAfterGc();
    expect((await round(10_000)).failed).toEqual([]);
    const first = await heapAfterGc();
    expect((await round(10_000)).failed).toEqual([]);
    const second = await heapAfterGc();

    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
    const figures = `heap after a full collection: warm ${mb(warm)}, after 10,000 calls ${mb(first)}, after 20,000 ${mb(second)}`;
    console.log(figures);
    // A leak of even a few hundred bytes per call adds megabytes per round on a heap of about ten;
    // what a warm server keeps from one round to the next is noise of a few percent.
    expect(second, figures).toBeLessThan(first * 1.25);
    expect(second, figures).toBeLessThan(warm * 1.5);
  });
});
