import { describe, expect, it } from "bun:test";
import { Busy, FunctionFailed } from "../errors.ts";
import { createLogger } from "../log.ts";
import type { PoolStats } from "../runner/pool.ts";
import { createTimeline, type TimelineOptions } from "./timeline.ts";

const fn = { app: "a", route: "/r" };

function pool(p: Partial<PoolStats>): PoolStats {
  return { key: "k", app: "a", path: "/r", image: "img", idle: 0, busy: 0, starting: 0, waiting: 0, runMeanMs: 0, runSamples: 0, coldStartMeanMs: 0, coldStartSamples: 0, retired: false, ...p };
}

/** A timeline on a fake clock (1 s a tick) whose pools are whatever `pools` holds at the tick. */
function setup(opts: Partial<TimelineOptions> = {}) {
  let clock = 1_000_000;
  const world = { pools: [] as PoolStats[] };
  const timeline = createTimeline({
    runnerStats: () => ({ gate: { startsInFlight: 0, reservedMiB: 0, waiting: 0 }, pools: world.pools }),
    log: createLogger("silent"),
    now: () => clock,
    ...opts,
  });
  const tick = () => {
    clock += 1000;
    timeline.tick();
  };
  const advance = (ms: number) => {
    clock += ms;
  };
  return { timeline, world, tick, advance, at: () => clock };
}

describe("timeline", () => {
  it("samples containers by state and the queue from the pools, summed over a route's pools", () => {
    const { timeline, world, tick, at } = setup();
    world.pools = [pool({ idle: 1, busy: 2, starting: 1, waiting: 3 }), pool({ key: "old", busy: 1, retired: true }), pool({ app: "b", busy: 9 })];
    tick();
    const t = timeline.route("a", "/r");
    expect(t.samples).toEqual({ t: [at()], idle: [1], busy: [3], starting: [1], queue: [3], calls: [0], errors: [0], wait_p99_ms: [null] });
    expect(timeline.route("b", "/r").samples.busy).toEqual([9]);
  });

  it("counts calls and failures per interval and takes the p99 of the interval's waits", () => {
    const { timeline, tick } = setup();
    for (let i = 1; i <= 100; i++) timeline.observer.waited(fn, i, "sync");
    for (let i = 0; i < 7; i++) timeline.observer.finished(fn, "success");
    timeline.observer.finished(fn, "timeout");
    timeline.observer.finished(fn, "busy");
    tick();
    tick(); // a quiet interval: nothing counted, no wait
    const s = timeline.route("a", "/r").samples;
    expect(s.calls).toEqual([9, 0]);
    expect(s.errors).toEqual([2, 0]);
    expect(s.wait_p99_ms).toEqual([99, null]);
  });

  it("keeps a p99 from a bounded reservoir when an interval has more waits than it holds", () => {
    const { timeline, tick } = setup();
    for (let i = 0; i < 10_000; i++) timeline.observer.waited(fn, i < 9_000 ? 1 : 500, "sync");
    tick();
    expect(timeline.route("a", "/r").samples.wait_p99_ms).toEqual([500]);
  });

  it("records launches with their reasons, failed starts and containers gone, oldest first", () => {
    const { timeline, tick } = setup();
    timeline.observer.launched(fn, "no container");
    timeline.observer.startFailed(fn, new Busy("no memory"));
    timeline.observer.startFailed(fn, new FunctionFailed("exited"));
    timeline.observer.gone(fn, "idle");
    tick();
    expect(timeline.route("a", "/r").events.map((e) => [e.kind, e.reason])).toEqual([
      ["launch", "no container"],
      ["start_failed", "no_room"],
      ["start_failed", "failed"],
      ["gone", "idle"],
    ]);
  });

  it("answers only what is newer than `since`", () => {
    const { timeline, world, tick, advance, at } = setup();
    world.pools = [pool({ busy: 1 })];
    tick();
    const first = at();
    advance(300);
    timeline.observer.launched(fn, "a cold start is cheaper than queueing");
    world.pools = [pool({ busy: 2 })];
    tick();
    const t = timeline.route("a", "/r", first);
    expect(t.samples.t).toEqual([at()]);
    expect(t.samples.busy).toEqual([2]);
    expect(t.events.map((e) => e.reason)).toEqual(["a cold start is cheaper than queueing"]);
    expect(timeline.route("a", "/r", at()).samples.t).toEqual([]);
  });

  it("sends an event once: with the first sample after it, not before", () => {
    const { timeline, world, tick, advance, at } = setup();
    world.pools = [pool({ busy: 1 })];
    tick();
    const first = at();
    advance(200);
    timeline.observer.launched(fn, "no container");
    // Read between two ticks: the event waits for the next sample, so since=first still finds it then.
    expect(timeline.route("a", "/r", first).events).toEqual([]);
    tick();
    expect(timeline.route("a", "/r", first).events.map((e) => e.reason)).toEqual(["no container"]);
    expect(timeline.route("a", "/r", at()).events).toEqual([]);
  });

  it("keeps at most `samples` samples and `maxEvents` events per function", () => {
    const { timeline, world, tick } = setup({ samples: 5, maxEvents: 3 });
    world.pools = [pool({ idle: 1 })];
    for (let i = 0; i < 12; i++) {
      timeline.observer.launched(fn, `rule ${i}`);
      tick();
    }
    const t = timeline.route("a", "/r");
    expect(t.samples.t.length).toBe(5);
    expect(t.events.map((e) => e.reason)).toEqual(["rule 9", "rule 10", "rule 11"]);
  });

  it("drops a function quiet for a whole window, and a forgotten route at once", () => {
    const { timeline, world, tick } = setup({ samples: 4 });
    timeline.observer.finished(fn, "success");
    timeline.observer.finished({ app: "a", route: "/other" }, "success");
    world.pools = [pool({ app: "b", idle: 1 })];
    tick();
    expect(timeline.size).toBe(3);
    timeline.forget("b");
    expect(timeline.size).toBe(2);
    world.pools = [];
    for (let i = 0; i < 3; i++) tick();
    expect(timeline.size).toBe(2);
    tick();
    expect(timeline.size).toBe(0);
    expect(timeline.route("a", "/r").samples.t).toEqual([]);
  });

  it("tracks at most maxFunctions, pushing out the quietest", () => {
    const { timeline, tick } = setup({ maxFunctions: 3 });
    for (const route of ["/1", "/2", "/3"]) {
      timeline.observer.finished({ app: "a", route }, "success");
      tick();
    }
    timeline.observer.finished({ app: "a", route: "/4" }, "success");
    expect(timeline.size).toBe(3);
    expect(timeline.route("a", "/1").samples.t).toEqual([]);
    expect(timeline.route("a", "/3").samples.calls).toEqual([1]);
  });

  it("sums up the busiest functions first in the overview", () => {
    const { timeline, world, tick } = setup();
    world.pools = [pool({ app: "quiet", idle: 1 }), pool({ app: "busy", busy: 2, waiting: 5 })];
    for (let i = 0; i < 10; i++) timeline.observer.finished({ app: "busy", route: "/r" }, "success");
    timeline.observer.waited({ app: "busy", route: "/r" }, 40, "sync");
    timeline.observer.launched({ app: "busy", route: "/r" }, "waited past the queueing bound");
    tick();
    const [first, second] = timeline.overview(10);
    expect(first).toMatchObject({ app: "busy", busy: 2, queue: 5, calls_per_s: 1, wait_p99_ms: 40, launches: 1, last_launch: { reason: "waited past the queueing bound" } });
    expect(second).toMatchObject({ app: "quiet", idle: 1, calls_per_s: 0, wait_p99_ms: null, launches: 0, last_launch: null });
    expect(timeline.overview(1).length).toBe(1);
  });
});
