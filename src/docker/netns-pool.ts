/**
 * Network namespace holders, made ahead of time: parked containers with no network whose only job is
 * to hold a namespace, so a function container joins one (`NetworkMode: container:<holder>`) instead
 * of Docker making a namespace on every start — about half of a start on this engine. A holder
 * serves one function container at a time and the next one after it is gone: functions never share
 * a namespace while they run, and each sees only a loopback interface with nothing on it but its own.
 *
 * States of a holder: starting → free → in use → free (reused) | gone (dropped, or surplus removed).
 * A holder found dead retires every holder made before it: an engine restart stops them all at once,
 * and a dead one handed to a container makes its start fail.
 * A background refill keeps `spare` holders free, one start at a time and only while no function
 * container is being started (a holder costs the engine what it saves: it must not be made on a
 * function's time); when none is free a create simply asks for a fresh namespace. stop() ends it.
 * @module
 */

export interface HolderOps {
  /** Creates and starts a holder; resolves with its id. */
  startHolder(): Promise<string>;
  /** Removes a holder. Never rejects. */
  removeHolder(id: string): Promise<void>;
}

export interface NetnsPool {
  /** A free holder, now in use, or undefined when none is ready (the caller takes a fresh namespace). */
  take(): string | undefined;
  /** The container that used `holder` is gone: the holder serves the next one (or goes, past the spare). */
  release(holder: string): void;
  /**
   * `holder` failed a create or start (it died, or was removed from outside): forget it, and retire
   * every other holder made before now — the free ones at once, those in use as their container goes.
   */
  drop(holder: string): void;
  stats(): { free: number; inUse: number };
  start(): void;
  /** Stops the refill; resolves once a start in flight has settled. Never rejects. */
  stop(): Promise<void>;
}

export interface NetnsPoolOptions extends HolderOps {
  /** free holders to keep ready (HOTFN_NETNS_SPARE); 0 turns the pool off */
  spare: number;
  /** True while function containers are being created or started: the refill waits for a lull. */
  engineBusy(): boolean;
  /** told when a holder could not be started (the refill backs off and tries again) */
  onError(err: unknown): void;
}

/** A failed holder start is tried again after this long, doubling to the maximum. */
const BACKOFF_MS = { min: 500, max: 30_000 };
/** How often a refill waiting for a lull looks again. */
const LULL_MS = 50;

export function createNetnsPool(opts: NetnsPoolOptions): NetnsPool {
  const free: string[] = [];
  const inUse = new Set<string>();
  /** holder → the generation it was made in; a drop starts a new generation */
  const madeIn = new Map<string, number>();
  let generation = 0;
  const remove = (holder: string) => {
    madeIn.delete(holder);
    void opts.removeHolder(holder);
  };
  let refilling: Promise<void> | undefined;
  let stopped = true;
  let backoff = 0;
  let retry: Timer | undefined;

  const refill = () => {
    if (stopped || refilling !== undefined || retry !== undefined || free.length >= opts.spare) return;
    if (opts.engineBusy()) {
      retry = setTimeout(() => ((retry = undefined), refill()), LULL_MS);
      return;
    }
    refilling = (async () => {
      try {
        const id = await opts.startHolder();
        if (stopped) return void (await opts.removeHolder(id));
        // A drop sees a dead holder on an engine that answers again: one started now is on that engine.
        madeIn.set(id, generation);
        free.push(id);
        backoff = 0;
      } catch (err) {
        opts.onError(err);
        backoff = Math.min(BACKOFF_MS.max, backoff === 0 ? BACKOFF_MS.min : backoff * 2);
      }
    })().finally(() => {
      refilling = undefined;
      if (backoff === 0) refill();
      else retry = setTimeout(() => ((retry = undefined), refill()), backoff);
    });
  };

  return {
    take() {
      const id = free.pop();
      if (id !== undefined) inUse.add(id);
      refill();
      return id;
    },
    release(holder) {
      if (!inUse.delete(holder)) return;
      // Past twice the spare (a burst is over), the holder goes rather than sit idle; so does one
      // made before a holder was found dead.
      if (stopped || free.length >= opts.spare * 2 || madeIn.get(holder) !== generation) remove(holder);
      else free.push(holder);
    },
    drop(holder) {
      // Only a holder of the current generation starts a new one: several starts that meet dead
      // holders of the same restart must not retire the healthy ones made since the first.
      if (madeIn.get(holder) === generation) {
        generation++;
        for (const h of free.splice(0)) remove(h);
      }
      inUse.delete(holder);
      remove(holder);
      refill();
    },
    stats: () => ({ free: free.length, inUse: inUse.size }),
    start() {
      if (opts.spare <= 0) return;
      stopped = false;
      refill();
    },
    async stop() {
      stopped = true;
      clearTimeout(retry);
      await refilling;
    },
  };
}
