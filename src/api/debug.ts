/**
 * POST /v1/debug/heap, mounted only when HOTFN_DEBUG_HEAP=1: a full garbage collection, then the
 * heap's size and its most numerous object types — what a memory test compares between two points
 * and what points at a leak (bench/README.md "Memory"). Off by default because each call stalls the
 * server for a collection; under /v1, so the API's credentials guard it like the rest. It shows
 * counts by type, never object contents: no heap dump leaves the process. Under Deno there are no
 * counts by type, and `collected` is false unless Deno runs with `--v8-flags=--expose-gc`.
 * @module
 */
import { Hono } from "hono";
import { heapReport } from "../metrics/memory.ts";

export function debugApi() {
  return new Hono().post("/heap", (c) => {
    const r = heapReport();
    return c.json({
      rss_bytes: r.rssBytes,
      heap_bytes: r.heapBytes,
      heap_capacity_bytes: r.heapCapacityBytes,
      external_bytes: r.externalBytes,
      objects: r.objects,
      object_types: r.objectTypes,
      collected: r.collected,
    });
  });
}
