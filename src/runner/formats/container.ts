/**
 * What every format does with a container: create it (labelled for its function), attach before
 * start so no output is lost, start it — within a bound, so a stuck Docker engine cannot hold a
 * start slot forever — and learn how it ended (exit code, OOM) only after its output has drained.
 * Also the shared wording of failures, so all formats report alike.
 * @module
 */
import type { ContainerIO, ContainerSpec, Engine, ExitState } from "../../docker/engine.ts";
import type { DemuxSinks } from "../../docker/demux.ts";
import { HolderGone } from "../../docker/errors.ts";
import { LABEL } from "../../docker/labels.ts";
import { FunctionFailed, FunctionTimeout, HotfnError, Unavailable } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import type { App, Route } from "../../model.ts";
import type { StartSteps } from "../types.ts";
import { runtime } from "../../runtime/index.ts";

/** What the formats need from the launcher. */
export interface FormatDeps {
  engine: Engine;
  log: Logger;
  /** largest answer body accepted, bytes (config.maxResponseBody) */
  maxResponseBody: number;
  /** longest Docker may take to create (pulling a missing image included), attach and start a container */
  startTimeoutMs: number;
}

export interface LaunchOptions {
  /** see FormatDeps.startTimeoutMs */
  startTimeoutMs: number;
  /** aborts the launch; what was created is removed */
  signal?: AbortSignal;
  /** for the wording of a timeout */
  route?: Route;
  /**
   * Called once Docker's part is over — started, failed or given up — so the caller can free its
   * start slot: what follows (a function opening its socket) costs the engine nothing.
   */
  onStarted?: (steps?: StartSteps) => void;
}

export interface Running {
  id: string;
  io: ContainerIO;
  /** create, attach and start, ms */
  steps: StartSteps;
  /** Settles once the container exited and its output was delivered (or 1 s later). Never rejects. */
  exit: Promise<ExitState>;
}

/** Output that arrives after the exit is noticed is waited for, up to this long. */
const DRAIN_MS = 1000;

export function functionLabels(app: App, route: Route): Record<string, string> {
  return { [LABEL.app]: app.name, [LABEL.route]: route.path, [LABEL.format]: route.format };
}

/** What every container of `route` is created with, whatever its format. */
export function functionSpec(app: App, route: Route, env: Record<string, string>): ContainerSpec {
  return { image: route.image, env, labels: functionLabels(app, route), memoryMiB: route.memory, user: route.user };
}

/**
 * Creates, attaches and starts a container. Rejects when any step fails (the engine's error:
 * Unavailable, FunctionFailed), when `signal` aborts (the abort's error), or with Unavailable when
 * the three steps take longer than `startTimeoutMs` — without waiting for a Docker call that never
 * answers. Whatever was created is removed in every case, also when a step that was given up on
 * completes later.
 */
export async function launch(engine: Engine, spec: ContainerSpec, sinks: DemuxSinks, opts: LaunchOptions): Promise<Running> {
  const { startTimeoutMs, signal, route } = opts;
  if (signal?.aborted) {
    opts.onStarted?.();
    throw abortError(signal, route);
  }
  let id: string | undefined;
  let io: ContainerIO | undefined;
  let givenUp = false;
  const t0 = performance.now();
  const marks = { created: 0, attached: 0, started: 0 };
  let removed = false;
  const discard = () => {
    io?.close();
    if (id === undefined || removed) return;
    removed = true;
    void engine.remove(id);
  };

  const steps = (async () => {
    for (let fresh = false; ; fresh = true) {
      id = await engine.create(spec, { freshNamespace: fresh });
      marks.created = performance.now();
      if (givenUp) return;
      io = await engine.attach(id, sinks);
      marks.attached = performance.now();
      if (givenUp) return;
      try {
        await engine.start(id);
        marks.started = performance.now();
        return;
      } catch (err) {
        // Its namespace holder died with an engine restart: once more, in a namespace of its own.
        if (!(err instanceof HolderGone) || fresh || givenUp) throw err;
        discard();
        [id, io, removed] = [undefined, undefined, false];
      }
    }
  })();
  let timer: Timer | undefined;
  let onAbort = () => {};
  const giveUp = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Unavailable(`Docker did not start the container within ${startTimeoutMs / 1000} s`)), startTimeoutMs);
    onAbort = () => reject(abortError(signal!, route));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([steps, giveUp]);
  } catch (err) {
    givenUp = true;
    opts.onStarted?.();
    discard();
    // A step still in flight may create or attach after this: that is discarded once it settles.
    steps.then(discard, discard);
    throw err;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
  const stepTimes: StartSteps = { create: marks.created - t0, attach: marks.attached - marks.created, start: marks.started - marks.attached };
  opts.onStarted?.(stepTimes);

  const started = { id: id!, io: io!, steps: stepTimes };
  const exit = engine
    .wait(started.id)
    .catch((): ExitState => ({ exitCode: -1, oomKilled: false }))
    .then(async (state) => {
      await Promise.race([started.io.ended, runtime.sleep(DRAIN_MS)]);
      return state;
    });
  return { ...started, exit };
}

/** How an exit reads to the caller; `exited with code N` and `out of memory` are what people search for. */
export function exitError(state: ExitState, memoryMiB: number, when = ""): FunctionFailed {
  if (state.oomKilled) return new FunctionFailed(`function ran out of memory (limit ${memoryMiB} MiB) and was killed${when}`);
  if (state.exitCode === -1) return new FunctionFailed(`function container disappeared${when}`);
  return new FunctionFailed(`function exited with code ${state.exitCode}${when}`);
}

/**
 * The error for an aborted call: the abort's reason when it is one of ours (the pool may say why),
 * otherwise a timeout — the runner aborts at the route's deadline.
 */
export function abortError(signal: AbortSignal, route?: Route): HotfnError {
  if (signal.reason instanceof HotfnError) return signal.reason;
  return new FunctionTimeout(route ? `Timed out: the function ran past its ${route.timeout} s timeout` : "Timed out");
}

/** Logs a hot container's output between calls at debug level (it belongs to no call). */
export function strayOutput(log: Logger, id: string, stream: "stdout" | "stderr", chunk: Uint8Array): void {
  log.debug("function output outside a call", { container: id.slice(0, 12), stream, text: new TextDecoder().decode(chunk.subarray(0, 1024)) });
}
