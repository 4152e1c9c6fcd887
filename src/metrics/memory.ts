/**
 * hotfn's own memory as figures: the process's resident set and the JS heap, read cheaply for
 * /metrics (`processMemory`), or after a forced full collection (`heapReport`) — only that tells
 * objects that stay (a leak) from garbage not collected yet. See bench/README.md "Memory".
 * @module
 */
import { heapStats } from "bun:jsc";

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
  /** the most numerous live object types and their counts, most first */
  objectTypes: Record<string, number>;
}

/**
 * Runs a full, synchronous garbage collection, then measures what is left. Stalls the process for
 * tens of milliseconds per hundred MB of heap: for tests and diagnosis, never on a request path.
 */
export function heapReport(topTypes = 25): HeapReport {
  Bun.gc(true);
  const stats = heapStats();
  const types = Object.entries(stats.objectTypeCounts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, topTypes);
  return {
    ...processMemory(),
    heapBytes: stats.heapSize,
    heapCapacityBytes: stats.heapCapacity,
    objects: stats.objectCount,
    objectTypes: Object.fromEntries(types),
  };
}
