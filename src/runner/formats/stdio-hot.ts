/**
 * A hot container that takes calls over its stdin and answers on its stdout (`http`, `json`): one
 * call at a time, framed by a `Framing`. Anything that breaks the framing — garbage, an answer too
 * large, output outside a call, an exit — fails the call in flight and makes the container unhealthy.
 * @module
 */
import { FunctionFailed, type HotfnError } from "../../errors.ts";
import type { App, Route } from "../../model.ts";
import { deadlineHeader, functionEnv } from "../contract.ts";
import type { FunctionResponse, HotContainer } from "../types.ts";
import { abortError, exitError, type FormatDeps, functionSpec, launch, strayOutput } from "./container.ts";
import { createCallLogRouter, settleOutput } from "./call-log.ts";
import { type Framing, FramingError, isBlank, type ResponseParser } from "./framing.ts";

interface InFlight {
  parser: ResponseParser;
  resolve(response: FunctionResponse): void;
  reject(err: HotfnError): void;
}

/** Starts the container; it is ready as soon as it runs (these formats have no handshake). */
export async function startStdioHot(deps: FormatDeps, framing: Framing, app: App, route: Route, signal: AbortSignal, onStarted?: () => void): Promise<HotContainer> {
  const { engine, log, maxResponseBody } = deps;
  let current: InFlight | undefined;
  let healthy = true;
  let id = "";
  const stderr = createCallLogRouter((chunk) => strayOutput(log, id, "stderr", chunk));

  const fail = (err: HotfnError) => {
    healthy = false;
    const call = current;
    current = undefined;
    call?.reject(err);
    // A broken container is stopped at once; the pool's destroy() removes it.
    if (id !== "") void engine.kill(id);
  };

  const running = await launch(
    engine,
    functionSpec(app, route, functionEnv(app, route)),
    {
      stdout(chunk) {
        if (current === undefined) {
          if (isBlank(chunk)) return;
          strayOutput(log, id, "stdout", chunk);
          return fail(new FunctionFailed(`the function broke the ${framing.name} format: output outside a call`));
        }
        try {
          const done = current.parser.push(chunk);
          if (done === null) return;
          const call = current;
          current = undefined;
          call.resolve(done.response);
          if (!isBlank(done.rest)) fail(new FunctionFailed(`the function broke the ${framing.name} format: output after its answer`));
        } catch (err) {
          // Only FramingError is expected; anything else still fails this container, never hotfn.
          const why = err instanceof FramingError ? err.message : `unreadable answer (${String(err)})`;
          fail(new FunctionFailed(`the function broke the ${framing.name} format: ${why}`));
        }
      },
      stderr: (chunk) => stderr.write(chunk),
    },
    { startTimeoutMs: deps.startTimeoutMs, signal, route, ...(onStarted ? { onStarted } : {}) },
  );
  id = running.id;

  const exited = running.exit.then((state) => {
    if (current) fail(exitError(state, route.memory, " during the call"));
    healthy = false;
  });

  let destroyed: Promise<void> | undefined;
  const container: HotContainer = {
    id,
    startSteps: { ...running.steps, ready: 0 },
    get healthy() {
      return healthy;
    },
    exited,
    call(inv, callLog, deadline) {
      if (!healthy) return Promise.reject(new FunctionFailed("the function's container is no longer usable"));
      if (current) return Promise.reject(new FunctionFailed("the function's container is already serving a call"));
      if (deadline.expired) {
        healthy = false;
        return Promise.reject(deadline.expired);
      }
      stderr.begin(callLog);
      const answer = new Promise<FunctionResponse>((resolve, reject) => {
        const settle = () => {
          deadline.listen(undefined);
          stderr.end();
        };
        current = {
          parser: framing.parser(maxResponseBody),
          resolve: (r) => (settle(), resolve(r)),
          reject: (e) => (settle(), reject(e)),
        };
        deadline.listen(fail);
        running.io.write(framing.encode(inv, deadlineHeader(route.timeout)));
      });
      return answer.then(async (response) => {
        await settleOutput();
        return response;
      });
    },
    destroy() {
      destroyed ??= (async () => {
        if (current) fail(new FunctionFailed("the function's container was stopped"));
        healthy = false;
        running.io.close();
        await engine.remove(id);
      })();
      return destroyed;
    },
  };

  // The pool may abort a start it no longer wants; the container is ours to clean up until returned.
  if (signal.aborted) {
    await container.destroy();
    throw abortError(signal, route);
  }
  return container;
}
