/**
 * The JSON that hotfn's API answers with, as its own clients read it: the command line (src/cli) and
 * the dashboard (src/ui/client), and the timeline that src/metrics/timeline.ts writes. Types only,
 * importing nothing, so the browser modules can share them with the server.
 * @module
 */

export interface AppJson {
  name: string;
  config: Record<string, string>;
  created_at?: string;
  updated_at?: string;
}

export interface RouteJson {
  app_name: string;
  path: string;
  image: string;
  type: string;
  format: string;
  memory: number;
  timeout: number;
  idle_timeout: number;
  headers: Record<string, string[]>;
  config: Record<string, string>;
  created_at?: string;
  updated_at?: string;
}

export interface CallJson {
  id: string;
  status: string;
  created_at?: string;
  started_at?: string;
  completed_at?: string;
  error?: string;
}

/** The timeline's columns, one value per sample each (metrics/timeline-series.ts keeps them). */
export type TimelineColumn = "idle" | "busy" | "starting" | "queue" | "calls" | "errors" | "wait_p99_ms";

export interface TimelineEvent {
  /** ms since the epoch */
  t: number;
  kind: "launch" | "start_failed" | "gone";
  /** the policy's rule for a launch; no_room, withdrawn or failed for a start that gave no container; why a container went */
  reason: string;
}

export interface RouteTimeline {
  app: string;
  route: string;
  interval_ms: number;
  /** how far back the samples reach at most, seconds */
  window_s: number;
  /** ms since the epoch, when this was read */
  now: number;
  /** one value per sample and column; `t` is when the interval ended; wait_p99_ms is null when no call waited */
  samples: { t: number[] } & Record<TimelineColumn, (number | null)[]>;
  events: TimelineEvent[];
}

export interface FunctionSummary {
  app: string;
  route: string;
  /** the latest sample's containers and queue */
  idle: number;
  busy: number;
  starting: number;
  queue: number;
  /** calls finished per second over the last RECENT_S seconds */
  calls_per_s: number;
  /** the highest per-interval wait p99 over the last RECENT_S seconds, ms (null: no call waited) */
  wait_p99_ms: number | null;
  /** launches decided within the window */
  launches: number;
  last_launch: TimelineEvent | null;
}
