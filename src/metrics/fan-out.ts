/**
 * One runner observer made of several: the runner reports once, and each reader (the Prometheus
 * metrics, the dashboard's timeline) hears every observation, in the order given.
 * @module
 */
import type { RunnerObserver } from "../runner/runner.ts";

/** Calls each observer's method in turn; like each of them, never throws. */
export function fanOut(...observers: RunnerObserver[]): RunnerObserver {
  const each =
    <K extends keyof RunnerObserver>(method: K) =>
    (...args: Parameters<RunnerObserver[K]>) => {
      for (const o of observers) (o[method] as (...a: Parameters<RunnerObserver[K]>) => void)(...args);
    };
  return {
    launched: each("launched"),
    ready: each("ready"),
    startFailed: each("startFailed"),
    gone: each("gone"),
    waited: each("waited"),
    ran: each("ran"),
    gateWaited: each("gateWaited"),
    evicted: each("evicted"),
    finished: each("finished"),
  };
}
