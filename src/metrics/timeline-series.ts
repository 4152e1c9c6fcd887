/**
 * One function's ring of the timeline (metrics/timeline.ts): a fixed number of rows of seven 16-bit
 * values, one row per tick; what the current interval has counted so far (calls, failures, a
 * reservoir of waits); and a fixed-size ring of recent decisions. Its size never changes after it
 * is made: about 4 KB of rows, 1 KB of reservoir and `maxEvents` small objects.
 * @module
 */
import type { TimelineColumn, TimelineEvent } from "../wire.ts";

export type { TimelineEvent };

/** The columns of a sample, in storage order; also the names the API uses. */
export const COLUMNS = ["idle", "busy", "starting", "queue", "calls", "errors", "wait_p99_ms"] as const satisfies readonly TimelineColumn[];
export type Column = (typeof COLUMNS)[number];
export const WIDTH = COLUMNS.length;
const WAIT_P99 = COLUMNS.indexOf("wait_p99_ms");
/** Stored for "no call waited in this interval"; real values are clamped below it. */
const NONE = 0xffff;
const MAX_VALUE = NONE - 1;
/** Waits kept per interval to take the p99 from (reservoir-sampled beyond). */
const WAIT_RESERVOIR = 256;


/** What the pools held at a tick, for one function. */
export interface Live {
  idle: number;
  busy: number;
  starting: number;
  queue: number;
}

export class Series {
  /** samples × WIDTH values; row `tick % samples` holds that tick's sample */
  private readonly rows: Uint16Array;
  /** the last tick anything happened at (a non-zero value or an event) */
  lastActiveTick: number;
  private calls = 0;
  private errors = 0;
  private waits: Float32Array | undefined;
  private waitsSeen = 0;
  private readonly ring: TimelineEvent[] = [];
  /** where the next event goes once the ring is full */
  private eventHead = 0;

  constructor(
    readonly app: string,
    readonly route: string,
    private readonly samples: number,
    private readonly maxEvents: number,
    /** the first tick this series has a row for */
    readonly firstTick: number,
  ) {
    this.rows = new Uint16Array(samples * WIDTH);
    this.lastActiveTick = firstTick;
  }

  finished(failed: boolean): void {
    this.calls++;
    if (failed) this.errors++;
  }

  waited(ms: number): void {
    this.waits ??= new Float32Array(WAIT_RESERVOIR);
    const seen = this.waitsSeen++;
    if (seen < WAIT_RESERVOIR) this.waits[seen] = ms;
    else {
      // Reservoir sampling (Vitter's algorithm R): every wait of the interval is equally likely kept.
      const j = Math.floor(Math.random() * (seen + 1));
      if (j < WAIT_RESERVOIR) this.waits[j] = ms;
    }
  }

  /** Records a decision; `tick` is the interval it falls in. */
  event(e: TimelineEvent, tick: number): void {
    if (this.ring.length < this.maxEvents) this.ring.push(e);
    else {
      this.ring[this.eventHead] = e;
      this.eventHead = (this.eventHead + 1) % this.maxEvents;
    }
    this.lastActiveTick = tick;
  }

  /** The decisions kept, oldest first. */
  events(): TimelineEvent[] {
    return [...this.ring.slice(this.eventHead), ...this.ring.slice(0, this.eventHead)];
  }

  /** Ends the interval of `tick`: writes its row from `live` and what was counted, and starts counting anew. */
  close(tick: number, live: Live | undefined): void {
    const row = [live?.idle ?? 0, live?.busy ?? 0, live?.starting ?? 0, live?.queue ?? 0, this.calls, this.errors];
    const base = (tick % this.samples) * WIDTH;
    for (let i = 0; i < row.length; i++) {
      this.rows[base + i] = clamp(row[i]!);
      if (row[i]! > 0) this.lastActiveTick = tick;
    }
    this.rows[base + WAIT_P99] = this.waitP99();
    this.calls = 0;
    this.errors = 0;
    this.waitsSeen = 0;
  }

  /** The value of `column` at `tick` (which must be one this series has a row for); null for no wait. */
  value(tick: number, column: Column): number | null {
    const i = COLUMNS.indexOf(column);
    const v = this.rows[(tick % this.samples) * WIDTH + i]!;
    return i === WAIT_P99 && v === NONE ? null : v;
  }

  private waitP99(): number {
    const n = Math.min(this.waitsSeen, WAIT_RESERVOIR);
    if (n === 0 || !this.waits) return NONE;
    const kept = this.waits.subarray(0, n).sort();
    return clamp(kept[Math.ceil(n * 0.99) - 1]!);
  }
}

function clamp(n: number): number {
  return Math.min(MAX_VALUE, Math.max(0, Math.round(n)));
}
