/**
 * The `default` format: one container per call. The call's env carries its metadata (contract.ts),
 * the body goes to stdin followed by EOF, stdout is the answer (status 200, no headers), stderr is
 * the call's log, and the exit code says whether it worked. The container is always removed.
 * @module
 */
import { LABEL } from "../../docker/labels.ts";
import { FunctionFailed } from "../../errors.ts";
import { callEnv } from "../contract.ts";
import type { FunctionResponse, Invocation, LogSink } from "../types.ts";
import type { ContainerSpec } from "../../docker/engine.ts";
import { abortError, exitError, type FormatDeps, functionSpec, launch, type Running } from "./container.ts";
import { concatBytes } from "./framing.ts";
import { toFunction } from "../../headers.ts";

/**
 * Runs `inv` in a fresh container. Resolves with stdout when the function exits 0; rejects with
 * FunctionFailed (non-zero exit, OOM, answer over maxResponseBody, image missing), FunctionTimeout
 * (`signal` aborted: the container is killed) or Unavailable. `onStarted` runs once the start is over
 * (started or failed).
 */
export async function runDefault(deps: FormatDeps, inv: Invocation, log: LogSink, signal: AbortSignal, onStarted?: () => void): Promise<FunctionResponse> {
  const { engine, maxResponseBody } = deps;
  const { route } = inv;
  if (signal.aborted) throw abortError(signal, route);

  // Output may arrive from the first byte on, before anyone waits for it: the cap is a state that
  // the wait below also checks, not only a callback.
  const out: Uint8Array[] = [];
  let size = 0;
  let overflow: FunctionFailed | undefined;
  let onOverflow = () => {};
  let running: Running | undefined;
  try {
    const starting = launch(
      engine,
      // Caller headers that never cross (headers.ts) do not reach the env either: no FN_HEADER_FN_….
      withCallLabel(functionSpec(inv.app, route, callEnv({ ...inv, headers: toFunction(inv.headers) })), inv.callId),
      {
        stdout(chunk) {
          if (overflow) return;
          if (size + chunk.length > maxResponseBody) {
            overflow = new FunctionFailed(`response larger than ${maxResponseBody} bytes`);
            out.length = 0;
            return onOverflow();
          }
          size += chunk.length;
          out.push(chunk);
        },
        stderr: (chunk) => log.write(chunk),
      },
      // The caller's start slot is freed once the start is over, whichever way it went.
      { startTimeoutMs: deps.startTimeoutMs, signal, route, ...(onStarted ? { onStarted } : {}) },
    );
    running = await starting;
    running.io.write(inv.body);
    running.io.endStdin();

    const { exit } = running;
    const state = await new Promise<Awaited<typeof exit>>((resolve, reject) => {
      if (overflow) return reject(overflow);
      const onAbort = () => reject(abortError(signal, route));
      onOverflow = () => reject(overflow);
      signal.addEventListener("abort", onAbort, { once: true });
      exit.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
    if (state.oomKilled || state.exitCode !== 0) throw exitError(state, route.memory);
    // Output that trailed the exit (within the drain bound) counts too.
    if (overflow) throw overflow;
    return { status: 200, headers: [], body: concatBytes(out, size) };
  } finally {
    if (running) {
      running.io.close();
      // Force removal also kills a container still running (timeout, oversized answer); not awaited,
      // so the caller gets its answer without waiting on Docker's bookkeeping.
      void engine.remove(running.id);
    }
  }
}

function withCallLabel(spec: ContainerSpec, callId: string): ContainerSpec {
  return { ...spec, labels: { ...spec.labels, [LABEL.call]: callId } };
}
