/**
 * The runner's listeners: the runner reports every observation once, to one dispatching observer,
 * and whoever reads it (the Prometheus metrics, the dashboard's timeline) subscribes with observe().
 * The runner knows no reader; readers know the runner.
 * @module
 */
import type { RunnerObserver } from "./runner.ts";

export interface ObserverHub {
  /** Calls every subscribed observer's method in turn; like each of them, never throws. */
  readonly observer: RunnerObserver;
  /** Subscribes `o`; returns the unsubscribe. */
  add(o: RunnerObserver): () => void;
}

export function createObserverHub(): ObserverHub {
  const observers = new Set<RunnerObserver>();
  const each =
    <K extends keyof RunnerObserver>(method: K) =>
    (...args: Parameters<RunnerObserver[K]>) => {
      for (const o of observers) (o[method] as (...a: Parameters<RunnerObserver[K]>) => void)(...args);
    };
  const observer: RunnerObserver = {
    launched: each("launched"),
    ready: each("ready"),
    started: each("started"),
    startFailed: each("startFailed"),
    gone: each("gone"),
    waited: each("waited"),
    ran: each("ran"),
    gateWaited: each("gateWaited"),
    evicted: each("evicted"),
    finished: each("finished"),
  };
  return {
    observer,
    add(o) {
      observers.add(o);
      return () => observers.delete(o);
    },
  };
}
