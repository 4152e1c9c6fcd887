/**
 * One function's pool of hot containers and its queue of waiting calls: the state machine.
 *
 * Container states (a `Slot`):
 *   starting → idle      the container became ready (its cold start is measured)
 *   idle → busy          a call took it (most recently used idle container first)
 *   busy → idle          the call ended and the container is healthy
 *   busy → gone          the call broke it (timeout, crash, framing), or the pool is retiring
 *   idle → gone          idle_timeout passed, an eviction chose it, or the pool retired
 *   idle → gone          the container exited on its own (a busy one fails its call: busy → gone)
 *   starting → gone      the start failed (its error goes to the waiters), or hotfn is stopping
 * Memory stays reserved from admission until the container has exited.
 *
 * Waiter states (runner/waiters.ts): queued → served (handed a container) | rejected (Busy past the
 * wait bound, caller aborted, the start it waited on failed). Sync waiters are served before async ones.
 *
 * Triggers: a call arriving, a container becoming ready or idle, a container gone, and a tick while
 * calls wait (so a decision to queue is re-examined as time passes). Every trigger runs `pump()`:
 * hand idle containers to waiters, then ask the policy whether the last waiter should get a launch.
 * @module
 */
import { Busy, type HotfnError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { App, Route } from "../model.ts";
import { startDeadline } from "./deadline.ts";
import type { Ewma } from "./estimate.ts";
import type { Admission, StartGate } from "./gate.ts";
import { decide, type PoolSnapshot, stuckAfterMs } from "./policy.ts";
import type { FunctionResponse, HotContainer, Invocation, Launcher, LogSink, StartSteps } from "./types.ts";
import { WaitQueue } from "./waiters.ts";

type SlotState = "starting" | "idle" | "busy" | "gone";

export interface Slot {
  state: SlotState;
  hot?: HotContainer;
  admission?: Admission;
  lastUsed: number;
  busySince: number;
  /** when the start passed the start gate (0 while it waits for a slot) */
  admittedAt: number;
  /** withdraws the start while it still waits for a slot */
  withdraw?: AbortController;
  calls: number;
  idleTimer?: Timer;
}

/** Which function an observation is about, as metric labels. */
export interface FnLabels {
  app: string;
  route: string;
}

export type GoneReason = "idle" | "evicted" | "retired" | "broken" | "exited";

/** Why a start waiting for a slot was dropped: its pool no longer needs it. No caller sees it. */
export class StartWithdrawn extends Error {}

/** A launch that gave no container, as observers name it: no room in time, withdrawn, or failed. */
export function startFailureReason(err: unknown): "no_room" | "withdrawn" | "failed" {
  return err instanceof Busy ? "no_room" : err instanceof StartWithdrawn ? "withdrawn" : "failed";
}

/** What the pool reports as it decides; implemented by metrics. Must not throw. */
export interface PoolObserver {
  launched(fn: FnLabels, reason: string): void;
  ready(fn: FnLabels, coldStartMs: number): void;
  /** A container started; how long each step took (all functions together). */
  started(steps: StartSteps): void;
  startFailed(fn: FnLabels, err: unknown): void;
  gone(fn: FnLabels, why: GoneReason): void;
  waited(fn: FnLabels, ms: number, priority: Invocation["priority"]): void;
  ran(fn: FnLabels, ms: number, warm: boolean): void;
}

export interface PoolDeps {
  launcher: Launcher;
  gate: StartGate;
  log: Logger;
  observer: PoolObserver;
  /** cold-start estimate of this pool's image, shared by every pool of that image */
  coldStart: Ewma;
  mode: "adaptive" | "naive";
  maxQueueWaitMs: number;
  /** container starts that may run at once (HOTFN_MAX_CONCURRENT_STARTS): how fast capacity can come */
  startSlots: number;
  /** how long a call may wait for a container before it fails Busy */
  maxWaitMs: number;
}

export interface PoolStats {
  key: string;
  app: string;
  path: string;
  image: string;
  idle: number;
  busy: number;
  starting: number;
  waiting: number;
  runMeanMs: number;
  runSamples: number;
  coldStartMeanMs: number;
  coldStartSamples: number;
  retired: boolean;
}

const TICK_MIN_MS = 10;

export class Pool {
  private readonly slots = new Set<Slot>();
  private readonly waiters: WaitQueue<Slot>;
  private everReady = false;
  /** starts still waiting at the start gate (withdrawn ones until their wait has settled) */
  private atGate = 0;
  private retired = false;
  private tick: Timer | undefined;
  private drainListeners: (() => void)[] = [];
  /** stops starts in flight when the pool is torn down */
  private readonly abort = new AbortController();
  constructor(
    readonly key: string,
    readonly app: App,
    readonly route: Route,
    /** the function as metric labels; one object for the life of the pool */
    readonly labels: FnLabels,
    /** this function's warm run length estimate */
    private readonly runLength: Ewma,
    private readonly deps: PoolDeps,
  ) {
    this.waiters = new WaitQueue<Slot>({
      maxWaitMs: deps.maxWaitMs,
      functionName: `${app.name}${route.path}`,
      onServed: (ms, priority) => deps.observer.waited(this.labels, ms, priority),
    });
  }

  /**
   * Runs `inv` on a container of this pool. Resolves with the function's answer; rejects with the
   * function's error (FunctionTimeout, FunctionFailed), Busy when no container came within the wait
   * bound, or the caller's abort reason.
   */
  async call(inv: Invocation, log: LogSink): Promise<{ response: FunctionResponse; startedAt: Date }> {
    const slot = await this.acquire(inv);
    const startedAt = new Date();
    const began = performance.now();
    const warm = slot.calls > 0;
    const deadline = startDeadline(this.route.timeout);
    try {
      const response = await slot.hot!.call(inv, log, deadline);
      const ms = performance.now() - began;
      if (warm) this.runLength.add(ms);
      this.deps.observer.ran(this.labels, ms, warm);
      return { response, startedAt };
    } finally {
      deadline.clear();
      slot.calls++;
      this.finishCall(slot);
    }
  }

  /** Idle containers, for eviction by other pools' starts (the runner orders them across pools). */
  idleSlots(): Slot[] {
    return [...this.slots].filter((s) => s.state === "idle");
  }

  /** Destroys an idle container to free its memory; returns the MiB freed (0 if it was not idle). */
  evict(slot: Slot): number {
    if (slot.state !== "idle") return 0;
    this.destroy(slot, "evicted");
    return this.route.memory;
  }

  /** No new calls come here; idle containers go now, busy ones after their call, queued calls are still served. */
  retire(): void {
    this.retired = true;
    for (const s of this.slots) if (s.state === "idle") this.destroy(s, "retired");
    this.pump();
  }

  /** True once retired and nothing is left: the runner may forget it. */
  get drained(): boolean {
    return this.retired && this.slots.size === 0 && this.waiters.size === 0;
  }

  /** Settles once the pool is closed and its last container is gone (close() rejects the waiters). */
  whenDrained(): Promise<void> {
    if (this.drained) return Promise.resolve();
    return new Promise((resolve) => this.drainListeners.push(resolve));
  }

  /** Rejects waiters and destroys every container once its call ends; for shutdown. */
  close(reason: HotfnError): void {
    this.retire();
    this.abort.abort(reason);
    for (const w of this.waiters.all()) w.reject(reason);
  }

  stats(): PoolStats {
    const count = (st: SlotState) => [...this.slots].filter((s) => s.state === st).length;
    return {
      key: this.key,
      app: this.app.name,
      path: this.route.path,
      image: this.route.image,
      idle: count("idle"),
      busy: count("busy"),
      starting: count("starting"),
      waiting: this.waiters.size,
      runMeanMs: this.runLength.mean,
      runSamples: this.runLength.samples,
      coldStartMeanMs: this.deps.coldStart.mean,
      coldStartSamples: this.deps.coldStart.samples,
      retired: this.retired,
    };
  }

  private acquire(inv: Invocation): Slot | Promise<Slot> {
    // The common case of a warm function: nobody is queued and a container is idle. The call takes
    // it at once, without the waiter's promise, timer and abort listener: at thousands of calls a
    // second, each call's own work and garbage set the tail (bench/README.md "Issue 10"). Nor does it
    // read `inv.signal`: a call that starts at once is not dropped, and for a sync call reading it
    // makes an AbortSignal (types.ts).
    if (this.waiters.size === 0) {
      const idle = this.takeIdle();
      if (idle) {
        this.deps.observer.waited(this.labels, 0, inv.priority);
        return idle;
      }
    }
    const slot = this.waiters.enqueue(inv);
    this.pump();
    return slot;
  }

  /** Hands idle containers to waiters, then launches while the policy says so. */
  private pump(): void {
    for (let w = this.waiters.next(); w; w = this.waiters.next()) {
      const slot = this.takeIdle();
      if (!slot) break;
      w.resolve(slot);
    }
    while (this.waiters.size > 0) {
      const snapshot = this.snapshot();
      const verdict = decide(snapshot);
      if (verdict.decision !== "launch") break;
      this.deps.log.debug("launch", { app: this.app.name, path: this.route.path, reason: verdict.reason, estimatedWaitMs: verdict.estimatedWaitMs, ...snapshot, run: undefined, coldStart: undefined, runMeanMs: snapshot.run.mean, coldStartMs: snapshot.coldStart.mean });
      this.launch(verdict.reason);
    }
    this.withdrawUnneeded();
    this.scheduleTick();
  }

  /**
   * Withdraws starts still waiting for a start slot (newest first) while the other starts cover every
   * queued call: the queue they were launched for has been served by the containers already up. Once
   * admitted, such a start would only take CPU from the calls still queued and a slot from other
   * functions. Starts past the gate finish, but one stuck (policy.ts `stuckAfterMs`) covers no
   * call (a waiting start is not given up for it). This is the count floor applied again as the
   * queue drains; not the estimate, which moves with every tick and would withdraw and relaunch
   * the same start. Not while closing: those starts fail with the pool's reason.
   */
  private withdrawUnneeded(): void {
    // Runs after every call (pump); with no start at the gate, as in a warm function, it costs nothing.
    if (this.atGate === 0 || this.deps.mode === "naive" || this.abort.signal.aborted) return;
    const now = performance.now();
    const stuckAfter = stuckAfterMs(this.deps.coldStart);
    let covering = 0;
    const waitingForSlot: Slot[] = [];
    for (const s of this.slots) {
      if (s.state !== "starting") continue;
      if (s.admittedAt === 0) waitingForSlot.push(s);
      if (s.admittedAt === 0 || now - s.admittedAt <= stuckAfter) covering++;
    }
    while (waitingForSlot.length > 0 && covering - 1 >= this.waiters.size) {
      const slot = waitingForSlot.pop()!;
      covering--;
      this.deps.log.debug("launch withdrawn", { app: this.app.name, path: this.route.path, covering, waiting: this.waiters.size });
      // Gone at once, so snapshots from here on no longer count it; its admission settles quietly.
      this.slots.delete(slot);
      slot.state = "gone";
      const why = new StartWithdrawn("its calls were served by containers already up");
      slot.withdraw?.abort(why);
      this.deps.observer.startFailed(this.labels, why);
    }
    this.noteIfDrained();
  }

  private takeIdle(): Slot | undefined {
    let best: Slot | undefined;
    for (const s of this.slots) if (s.state === "idle" && (!best || s.lastUsed > best.lastUsed)) best = s;
    if (!best) return undefined;
    best.state = "busy";
    // From here it counts as busy in snapshots, so its run length so far must be measured from now.
    best.busySince = performance.now();
    return best;
  }

  /** The snapshot for the newest waiter (if even it should not wait, a launch is due) and the oldest one's wait. */
  private snapshot(): PoolSnapshot {
    const now = performance.now();
    let idle = 0;
    let busy = 0;
    let starting = 0;
    let oldestBusyMs = 0;
    let oldestStartMs = 0;
    for (const s of this.slots) {
      if (s.state === "idle") idle++;
      else if (s.state === "starting") {
        starting++;
        if (s.admittedAt > 0) oldestStartMs = Math.max(oldestStartMs, now - s.admittedAt);
      } else if (s.state === "busy") {
        busy++;
        oldestBusyMs = Math.max(oldestBusyMs, now - s.busySince);
      }
    }
    return {
      idle,
      busy,
      starting,
      waiting: this.waiters.size,
      position: this.waiters.size,
      oldestWaitMs: now - this.waiters.oldestSince(now),
      run: this.runLength,
      oldestBusyMs,
      coldStart: this.deps.coldStart,
      oldestStartMs,
      everReady: this.everReady,
      maxQueueWaitMs: this.deps.maxQueueWaitMs,
      startSlots: this.deps.startSlots,
      mode: this.deps.mode,
    };
  }

  private scheduleTick(): void {
    if (this.tick !== undefined || this.waiters.size === 0) return;
    const every = Math.max(TICK_MIN_MS, Math.min(this.deps.maxQueueWaitMs, this.deps.coldStart.mean) / 4);
    this.tick = setTimeout(() => {
      this.tick = undefined;
      this.pump();
    }, every);
  }

  private launch(reason: string): void {
    const slot: Slot = { state: "starting", lastUsed: 0, busySince: 0, admittedAt: 0, calls: 0, withdraw: new AbortController() };
    this.slots.add(slot);
    this.deps.observer.launched(this.labels, reason);
    void this.start(slot);
  }

  private async start(slot: Slot): Promise<void> {
    const signal = this.abort.signal;
    try {
      const admission = await this.admit(slot);
      // Withdrawn after the slot was granted but before this ran: the slot goes back unused.
      if (slot.state === "gone") return admission.release();
      slot.admission = admission;
      const began = performance.now();
      slot.admittedAt = began;
      try {
        // The start slot goes back once Docker has started the container, not once the function is
        // ready: a function slow to open its socket must not hold the engine's slots.
        slot.hot = await this.deps.launcher.startHot(this.app, this.route, signal, () => admission.started());
      } finally {
        admission.started();
      }
      const coldMs = performance.now() - began;
      this.deps.coldStart.add(coldMs);
      this.deps.observer.ready(this.labels, coldMs);
      this.deps.log.debug("ready", { app: this.app.name, path: this.route.path, coldMs, steps: slot.hot.startSteps });
      this.deps.observer.started(slot.hot.startSteps);
      this.everReady = true;
      void slot.hot.exited.then(() => {
        if (slot.state !== "gone" && slot.state !== "busy") this.destroy(slot, "exited");
      });
      this.becomeIdle(slot);
    } catch (err) {
      // Withdrawn (and already counted as such): nothing failed.
      if (err instanceof StartWithdrawn || slot.state === "gone") return;
      this.startFailed(slot, err);
    }
  }

  /**
   * A start slot and memory for `slot`, until the pool closes or the start is withdrawn. One
   * controller per start that the pool's own abort reaches by a listener taken off once admitted
   * (not AbortSignal.any, whose runtimes may keep each combined signal as long as the pool's).
   */
  private async admit(slot: Slot): Promise<Admission> {
    const closing = this.abort.signal;
    closing.throwIfAborted();
    const withdraw = slot.withdraw!;
    const onClose = () => withdraw.abort(closing.reason);
    closing.addEventListener("abort", onClose, { once: true });
    this.atGate++;
    try {
      return await this.deps.gate.admit(this.key, this.route.memory, this.deps.maxWaitMs, withdraw.signal);
    } finally {
      this.atGate--;
      closing.removeEventListener("abort", onClose);
      slot.withdraw = undefined;
    }
  }

  private startFailed(slot: Slot, err: unknown): void {
    this.slots.delete(slot);
    this.noteIfDrained();
    slot.state = "gone";
    slot.admission?.release();
    this.deps.observer.startFailed(this.labels, err);
    if (!(err instanceof Busy) && !this.abort.signal.aborted) this.deps.log.warn("container start failed", { app: this.app.name, path: this.route.path, image: this.route.image, err });
    // The calls that were waiting on this start learn why at once, rather than each waiting out the
    // bound and launching again into the same failure (a missing image, a broken function).
    // Busy (no memory in time) is not theirs to share: each waiter has its own bound.
    if (!(err instanceof Busy)) {
      const others = [...this.slots].some((s) => s.state !== "gone");
      const failing = others ? [this.waiters.next()] : this.waiters.all();
      for (const w of failing) w?.reject(err);
    }
    this.pump();
  }

  private becomeIdle(slot: Slot): void {
    if (this.retired && this.waiters.size === 0) return this.destroy(slot, "retired");
    slot.state = "idle";
    slot.lastUsed = performance.now();
    if (slot.idleTimer === undefined) this.armIdleTimer(slot, this.route.idleTimeout * 1000);
    this.pump();
    // If nothing here wanted it, another function's start waiting for memory may evict it.
    if (slot.state === "idle") this.deps.gate.poke();
  }

  /**
   * One idle timer per container, not one per call: when it fires it ends the container if it has
   * been idle for the whole idle_timeout, or waits out what is left of it since its last call.
   */
  private armIdleTimer(slot: Slot, ms: number): void {
    slot.idleTimer = setTimeout(() => {
      slot.idleTimer = undefined;
      if (slot.state !== "idle") return; // busy now: it arms again when it next goes idle
      const left = slot.lastUsed + this.route.idleTimeout * 1000 - performance.now();
      if (left <= 0) this.destroy(slot, "idle");
      else this.armIdleTimer(slot, left);
    }, ms);
  }

  private finishCall(slot: Slot): void {
    if (slot.state === "gone") return;
    if (!slot.hot?.healthy) return this.destroy(slot, "broken");
    this.becomeIdle(slot);
  }

  /** Ends a ready container (idle or just finished a call); a start in flight ends in startFailed. */
  private destroy(slot: Slot, why: GoneReason): void {
    if (slot.state === "gone") return;
    clearTimeout(slot.idleTimer);
    slot.state = "gone";
    this.deps.observer.gone(this.labels, why);
    void this.destroyHot(slot);
    this.pump();
  }

  private async destroyHot(slot: Slot): Promise<void> {
    try {
      // Memory comes back once the container has exited (its cgroup is freed), not when Docker has
      // finished removing it, which can take much longer under load; the budget is never exceeded.
      if (slot.hot) await Promise.race([slot.hot.destroy(), slot.hot.exited]);
    } finally {
      slot.admission?.release();
      this.slots.delete(slot);
      if (this.waiters.size > 0) this.pump();
      this.noteIfDrained();
    }
  }

  private noteIfDrained(): void {
    if (!this.drained) return;
    for (const resolve of this.drainListeners.splice(0)) resolve();
  }
}
