/**
 * hotfn's own memory as figures: the process's resident set and the JS heap, read cheaply for
 * /metrics (`processMemory`), or after a forced full collection (`heapReport`) — only that tells
 * objects that stay (a leak) from garbage not collected yet. See bench/README.md "Memory".
 * @module
 */
import { runtime } from "../runtime/index.ts";

export interface ProcessMemory {
  /** resident set size of the process: the JS heap plus everything native (sockets, buffers, allocator) */
  rssBytes: number;
  /** JS heap in use, live objects and garbage not yet collected alike */
  heapBytes: number;
  /** memory outside the JS heap owned by JS objects (array buffers, native wrappers) */
  externalBytes: number;
}

/** Cheap (microseconds): fit for every scrape. */
export function processMemory(): ProcessMemory {
  const m = process.memoryUsage();
  return { rssBytes: m.rss, heapBytes: m.heapUsed, externalBytes: m.external };
}

export interface HeapReport extends ProcessMemory {
  /** bytes the heap has reserved from the system */
  heapCapacityBytes: number;
  /** live objects after the collection */
  objects: number;
  /** the most numerous live object types and their counts, most first (none under Deno: V8 does not count them) */
  objectTypes: Record<string, number>;
  /** whether a full collection ran first (under Deno only with `--v8-flags=--expose-gc`) */
  collected: boolean;
}

/**
 * Runs a full, synchronous garbage collection, then measures what is left. Stalls the process for
 * tens of milliseconds per hundred MB of heap: for tests and diagnosis, never on a request path.
 */
export function heapReport(topTypes = 25): HeapReport {
  const heap = runtime.heapAfterCollection();
  const types = Object.entries(heap.objectTypes)
    .sort((a, b) => b[1] - a[1])
    .slice(0, topTypes);
  return {
    ...processMemory(),
    heapBytes: heap.heapBytes,
    heapCapacityBytes: heap.heapCapacityBytes,
    objects: heap.objects,
    objectTypes: Object.fromEntries(types),
    collected: heap.collected,
  };
}
