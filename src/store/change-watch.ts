/**
 * Carries app and route writes from the change log (the `changes` table, appended by triggers in each
 * write's own transaction, in commit order) to this process's change feed, each change once and in
 * order, whichever process made it: so every node's route cache and containers follow every write.
 *
 * A read of the log happens on:
 *   sync()   after a write of this process (the repositories await it, so a writer sees its own
 *            write at once);
 *   poke()   when PostgreSQL NOTIFYs a change (pg/listen.ts), or its listener (re)connects;
 *   a poll   every `pollMs`: how writes of other processes on one libSQL database arrive, and a
 *            safety net on PostgreSQL. 0: no poll (`:memory:`, one process only).
 * States: idle → reading → idle. A sync while a read is in progress waits for the next read, which
 * starts when the current one ends (the current one may have begun before the write committed);
 * syncs that arrive meanwhile share that next read. A failed read is reported, never thrown; the
 * next poll or sync reads again from where the last good read ended. Changes older than an hour are
 * pruned, every ten minutes at most. stop() ends the polling and awaits the read in progress.
 * @module
 */
import type { Change, ChangeFeed } from "./changes.ts";

/** A change as the log keeps it: `seq` grows with commit order; `path` is absent when an app changed. */
export interface LoggedChange extends Change {
  seq: number;
}

/** The change log, per dialect (change-log.ts, pg/change-log.ts). */
export interface ChangeLogRepo {
  /** The newest seq, 0 when the log is empty. */
  latest(): Promise<number>;
  /** Up to `limit` changes after `seq`, oldest first. */
  after(seq: number, limit: number): Promise<LoggedChange[]>;
  /** Deletes changes logged before `before` (ms since epoch). */
  prune(before: number): Promise<void>;
}

export interface ChangeWatcher {
  /** Starts from the newest change: earlier ones concern nothing this process holds yet. */
  start(): Promise<void>;
  /** Reads the log up to now (see above). Never rejects. */
  sync(): Promise<void>;
  /** Reads the log soon. Never throws. */
  poke(): void;
  /** Ends the polling; resolves once a read in progress has ended. */
  stop(): Promise<void>;
}

export interface ChangeWatcherOptions {
  log: ChangeLogRepo;
  feed: ChangeFeed;
  pollMs: number;
  onError(err: unknown): void;
}

const PAGE = 500;
const KEEP_MS = 60 * 60_000;
const PRUNE_EVERY_MS = 10 * 60_000;

export function createChangeWatcher({ log, feed, pollMs, onError }: ChangeWatcherOptions): ChangeWatcher {
  let last = 0;
  let reading: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  let timer: Timer | undefined;
  let prunedAt = Date.now();

  const read = async () => {
    try {
      for (;;) {
        const page = await log.after(last, PAGE);
        for (const { seq, ...change } of page) {
          last = seq;
          feed.emit(change);
        }
        if (page.length < PAGE) break;
      }
      if (Date.now() - prunedAt > PRUNE_EVERY_MS) {
        prunedAt = Date.now();
        await log.prune(Date.now() - KEEP_MS);
      }
    } catch (err) {
      onError(err);
    }
  };

  const sync = (): Promise<void> => {
    if (reading === undefined) {
      reading = read().finally(() => (reading = undefined));
      return reading;
    }
    queued ??= reading.then(() => {
      queued = undefined;
      return sync();
    });
    return queued;
  };

  return {
    async start() {
      last = await log.latest();
      if (pollMs > 0) timer = setInterval(() => void sync(), pollMs);
    },
    sync,
    poke: () => void sync(),
    async stop() {
      clearInterval(timer);
      await queued;
      await reading;
    },
  };
}
