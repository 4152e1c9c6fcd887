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
  // An array and fixed arguments (no observer takes more than three): three of these calls are made
  // per call, and a Set's iterator and a rest array for each are garbage per call.
  let observers: RunnerObserver[] = [];
  const each =
    <K extends keyof RunnerObserver>(method: K) =>
    (a?: unknown, b?: unknown, c?: unknown) => {
      const list = observers;
      for (let i = 0; i < list.length; i++) (list[i]![method] as (a?: unknown, b?: unknown, c?: unknown) => void)(a, b, c);
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
      // Copied on change, so a call being dispatched sees the list it began with.
      observers = [...observers, o];
      return () => {
        observers = observers.filter((x) => x !== o);
      };
    },
  };
}
