/**
 * What every format does with a container: create it (labelled for its function), attach before
 * start so no output is lost, start it, and learn how it ended — exit code, OOM — only after its
 * output has drained. Also the shared wording of failures, so all formats report alike.
 * @module
 */
import type { ContainerIO, ContainerSpec, Engine, ExitState } from "../../docker/engine.ts";
import type { DemuxSinks } from "../../docker/demux.ts";
import { LABEL } from "../../docker/labels.ts";
import { FunctionFailed, FunctionTimeout, HotfnError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import type { App, Route } from "../../model.ts";

/** What the formats need from the launcher. */
export interface FormatDeps {
  engine: Engine;
  log: Logger;
  /** largest answer body accepted, bytes (config.maxResponseBody) */
  maxResponseBody: number;
}

export interface Running {
  id: string;
  io: ContainerIO;
  /** Settles once the container exited and its output was delivered (or 1 s later). Never rejects. */
  exit: Promise<ExitState>;
}

/** Output that arrives after the exit is noticed is waited for, up to this long. */
const DRAIN_MS = 1000;

export function functionLabels(app: App, route: Route): Record<string, string> {
  return { [LABEL.app]: app.name, [LABEL.route]: route.path, [LABEL.format]: route.format };
}

/**
 * Creates, attaches and starts a container. Rejects (and removes what it created) when any step fails
 * or `signal` aborts first; the error is the engine's (Unavailable, FunctionFailed) or the abort's.
 */
export async function launch(engine: Engine, spec: ContainerSpec, sinks: DemuxSinks, signal?: AbortSignal, route?: Route): Promise<Running> {
  const id = await engine.create(spec);
  let io: ContainerIO | undefined;
  try {
    if (signal?.aborted) throw abortError(signal, route);
    io = await engine.attach(id, sinks);
    if (signal?.aborted) throw abortError(signal, route);
    await engine.start(id);
  } catch (err) {
    io?.close();
    void engine.remove(id);
    throw err;
  }
  const attached = io;
  const exit = engine
    .wait(id)
    .catch((): ExitState => ({ exitCode: -1, oomKilled: false }))
    .then(async (state) => {
      await Promise.race([attached.ended, Bun.sleep(DRAIN_MS)]);
      return state;
    });
  return { id, io: attached, exit };
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
  return new FunctionTimeout(route ? `function timed out after ${route.timeout} s` : "function timed out");
}

/** Logs a hot container's output between calls at debug level (it belongs to no call). */
export function strayOutput(log: Logger, id: string, stream: "stdout" | "stderr", chunk: Uint8Array): void {
  log.debug("function output outside a call", { container: id.slice(0, 12), stream, text: new TextDecoder().decode(chunk.subarray(0, 1024)) });
}
