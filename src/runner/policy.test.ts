import { describe, expect, it } from "bun:test";
import { decide, type PoolSnapshot } from "./policy.ts";

const est = (mean: number, samples: number, stddev = 0) => ({ mean, samples, stddev });
const base: PoolSnapshot = {
  idle: 0,
  busy: 1,
  starting: 0,
  waiting: 1,
  position: 1,
  oldestWaitMs: 0,
  run: est(10, 20),
  oldestBusyMs: 5,
  coldStart: est(700, 5),
  oldestStartMs: 0,
  everReady: true,
  startSlots: 4,
  maxQueueWaitMs: 1000,
  mode: "adaptive",
};

// Each case: the situation, the snapshot fields that differ from `base`, the decision.
const cases: [string, Partial<PoolSnapshot>, "run" | "queue" | "launch"][] = [
  ["an idle container takes the call", { idle: 1 }, "run"],
  ["an idle container takes the call in naive mode too", { idle: 1, mode: "naive" }, "run"],
  ["a function with waiters and no container gets one", { busy: 0 }, "launch"],
  ["a burst behind the first launch waits for it (single-flight)", { busy: 0, starting: 1, waiting: 50, position: 50, everReady: false }, "queue"],
  ["starting containers that cover the waiters stop further launches", { starting: 2, waiting: 2, position: 2, run: est(5000, 3) }, "queue"],
  ["a 10 ms function queues behind one busy container", { waiting: 20, position: 20 }, "queue"],
  ["a 10 ms function with a queue twice a cold start launches", { waiting: 200, position: 200 }, "launch"],
  ["a queue only a little longer than a cold start drains before a new container would help", { waiting: 100, position: 100 }, "queue"],
  ["launches stop once the next container would come too late to help", { waiting: 200, position: 200, starting: 4, busy: 1 }, "queue"],
  ["a long queue launches beside a start that is as quick as the image's mean", { waiting: 400, position: 400, starting: 1, oldestStartMs: 300 }, "launch"],
  ["a start in flight twice the mean slows the plan: the next would come too late", { waiting: 300, position: 300, starting: 1, oldestStartMs: 1400 }, "queue"],
  ["a start stuck far past the mean does not stop launches for a long queue", { waiting: 400, position: 400, starting: 1, oldestStartMs: 30_000 }, "launch"],
  ["a 2 s function launches rather than queue", { run: est(2000, 5) }, "launch"],
  ["a function whose runs vary widely is planned on more than its mean", { waiting: 20, position: 20, run: est(40, 20, 20) }, "launch"],
  ["the same mean with a steady run length queues", { waiting: 20, position: 20, run: est(40, 20, 0) }, "queue"],
  ["a call that waited past the bound launches", { oldestWaitMs: 1000 }, "launch"],
  ["calls overdue after a cold start get one launch, not one each", { oldestWaitMs: 1500, starting: 1, waiting: 16, position: 16 }, "queue"],
  ["overdue calls of a slow function still scale out by the estimate", { oldestWaitMs: 1500, starting: 1, waiting: 16, position: 16, run: est(1000, 5) }, "launch"],
  ["no samples: a run just begun looks short, so queue", { run: est(0, 0), oldestBusyMs: 3 }, "queue"],
  ["no samples: a run longer than two cold starts so far, so launch", { run: est(0, 0), oldestBusyMs: 1500 }, "launch"],
  ["no samples: a run just over a cold start so far, so wait a little longer", { run: est(0, 0), oldestBusyMs: 800 }, "queue"],
  ["no samples: launches at most double the containers serving (the ramp)", { run: est(0, 0), oldestBusyMs: 800, busy: 2, starting: 2, waiting: 100, position: 100 }, "queue"],
  ["with a warm sample the estimate decides, not the ramp", { run: est(800, 1), busy: 2, starting: 2, waiting: 100, position: 100 }, "launch"],
  ["the queueing bound caps the wait even when cold starts are slow", { run: est(300, 5), waiting: 4, position: 4, coldStart: est(5000, 5) }, "launch"],
  ["naive launches whenever none is idle", { mode: "naive" }, "launch"],
  ["naive does not launch twice for one waiter", { mode: "naive", starting: 1 }, "queue"],
];

describe("decide", () => {
  for (const [name, diff, want] of cases) {
    it(name, () => {
      expect(decide({ ...base, ...diff }).decision).toBe(want);
    });
  }
});
