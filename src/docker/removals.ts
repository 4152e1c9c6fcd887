/**
 * Containers hotfn meant to remove but could not, because the engine did not answer (it was
 * restarting, say): kept and tried again with a back-off (1 s doubling to 10 s) until the engine
 * takes the removal, so a restart of Docker leaves no orphans behind. A background loop only while
 * something is pending; `stop()` ends it.
 * @module
 */

export interface RemovalRetry {
  /** Tries `id` again later. */
  add(id: string): void;
  /** How many are waiting for another try. */
  readonly pending: number;
  /** Ends the retries (what is left, the next start's reconcile removes: it carries our labels). */
  stop(): void;
}

export interface RemovalRetryOptions {
  /** Removes a container; resolves true when it is gone (or was), false when the engine failed. Never rejects. */
  remove(id: string): Promise<boolean>;
  minMs?: number;
  maxMs?: number;
}

export function createRemovalRetry(opts: RemovalRetryOptions): RemovalRetry {
  const minMs = opts.minMs ?? 1000;
  const maxMs = opts.maxMs ?? 10_000;
  const ids = new Set<string>();
  let timer: Timer | undefined;
  let delay = minMs;
  let stopped = false;

  const schedule = () => {
    if (timer !== undefined || stopped || ids.size === 0) return;
    timer = setTimeout(async () => {
      timer = undefined;
      const tried = [...ids];
      const results = await Promise.all(tried.map(async (id) => [id, await opts.remove(id)] as const));
      for (const [id, gone] of results) if (gone) ids.delete(id);
      delay = ids.size === 0 ? minMs : Math.min(maxMs, delay * 2);
      schedule();
    }, delay);
    // A pending retry must not keep a stopping process alive.
    timer.unref?.();
  };

  return {
    add(id) {
      ids.add(id);
      schedule();
    },
    get pending() {
      return ids.size;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
