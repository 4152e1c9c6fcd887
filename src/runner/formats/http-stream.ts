/**
 * The `http-stream` format (Fn's later contract, what @fnproject/fdk speaks): the function listens on
 * a unix socket in a host directory bind-mounted at /tmp/iofs, and each call is `POST /call` over it.
 * Ready when `lsnr.sock` appears (the FDK binds `lsnr.sock.tmp` and symlinks `lsnr.sock` to it); the
 * socket is then moved out of the function's reach (socket-dir.ts) and every call connects there.
 * @module
 */
import { FunctionFailed, FunctionTimeout, type HotfnError } from "../../errors.ts";
import type { App, Route } from "../../model.ts";
import { clean, deadlineHeader, functionEnv } from "../contract.ts";
import type { FunctionResponse, HotContainer, Invocation } from "../types.ts";
import { bodyFor, checkHeader, finalStatus } from "./answer.ts";
import { exitError, type FormatDeps, functionSpec, launch, strayOutput } from "./container.ts";
import { createCallLogRouter, settleOutput } from "./call-log.ts";
import { concatBytes, FramingError } from "./framing.ts";
import { isEndToEnd, toCaller, toFunction } from "../../headers.ts";
import { runtime, type UnixHttpClient } from "../../runtime/index.ts";
import { claimSocket, createContainerDir, ensurePrivateDirs, removeContainerDir, SOCKET, waitForSocket } from "./socket-dir.ts";

const MOUNT = "/tmp/iofs";
/** How long a broken connection waits to learn whether the container exited. */
const EXIT_GRACE_MS = 3000;

export interface StreamDeps extends FormatDeps {
  /** the first directory hotfn creates for sockets (e.g. $TMPDIR/hotfn-iofs); it and all below are 0700 */
  iofsBase: string;
  /** host directory (under iofsBase) in which each container gets its own socket directory */
  iofsRoot: string;
  /** how long a started container may take to open its socket */
  readyTimeoutMs: number;
}

/** Starts the container and resolves once its socket is there. */
export async function startStreamHot(deps: StreamDeps, app: App, route: Route, signal: AbortSignal, onStarted?: () => void): Promise<HotContainer> {
  const { engine, log } = deps;
  await ensurePrivateDirs(deps.iofsBase, deps.iofsRoot);
  const dir = await createContainerDir(deps.iofsRoot);
  const output = createCallLogRouter((chunk) => strayOutput(log, id, "stderr", chunk));
  let healthy = true;
  let id = "";

  let running: Awaited<ReturnType<typeof launch>>;
  try {
    running = await launch(
      engine,
      { ...functionSpec(app, route, { ...functionEnv(app, route), FN_LISTENER: `unix:${MOUNT}/${SOCKET}` }), binds: [{ host: dir, container: MOUNT }] },
      {
        // The answer comes over the socket; both streams are the function's log.
        stdout: (chunk) => output.write(chunk),
        stderr: (chunk) => output.write(chunk),
      },
      { startTimeoutMs: deps.startTimeoutMs, signal, route, ...(onStarted ? { onStarted } : {}) },
    );
  } catch (err) {
    await removeContainerDir(dir);
    throw err;
  }
  id = running.id;
  let exitState: Awaited<typeof running.exit> | undefined;
  // Ends the call in flight, which an exit must end at once. Not a race against `exited` per call:
  // each race hangs a reaction on that promise, which lives as long as the container, and the
  // reaction holds the whole call (request, answer) until the container exits (bench/README "Memory").
  let stopInFlight: ((err: HotfnError) => void) | undefined;
  const exited = running.exit.then((state) => {
    exitState = state;
    healthy = false;
    stopInFlight?.(exitError(state, route.memory, " during the call"));
  });

  // Its connection to the function's socket, once the socket is there.
  let client: UnixHttpClient | undefined;
  let destroyed: Promise<void> | undefined;
  const destroy = () => {
    destroyed ??= (async () => {
      healthy = false;
      running.io.close();
      client?.close();
      await engine.remove(id);
      await removeContainerDir(dir);
    })();
    return destroyed;
  };

  let connection: UnixHttpClient;
  const waitFrom = performance.now();
  try {
    await waitForSocket(dir, deps.readyTimeoutMs, signal, () => exitState, route);
    client = connection = runtime.unixHttpClient(await claimSocket(dir));
  } catch (err) {
    await destroy();
    throw err;
  }

  return {
    id,
    get healthy() {
      return healthy;
    },
    exited,
    startSteps: { ...running.steps, ready: performance.now() - waitFrom },
    destroy,
    async call(inv, log, deadline) {
      if (!healthy) throw new FunctionFailed("the function's container is no longer usable");
      if (deadline.expired) {
        healthy = false;
        throw deadline.expired;
      }
      // Ended by the deadline or by the container's exit, whichever comes first: a promise that
      // rejects, not an AbortController for the request (deadline.ts says why). The request left
      // behind ends only when the container dies (Bun's unix client has no connection to close).
      let stop!: (err: HotfnError) => void;
      const stopped = new Promise<never>((_, reject) => (stop = reject));
      stopInFlight = stop;
      deadline.listen(stop);
      output.begin(log);
      try {
        const answer = await Promise.race([post(connection, inv, deps.maxResponseBody), stopped]);
        // Fn's contract: 502/504 are the function's own errors; the container stays.
        if (answer.status === 200 || answer.status === 502 || answer.status === 504) {
          await settleOutput();
          return answer.response;
        }
        throw new FunctionFailed(`the function's listener answered ${answer.status} (http-stream expects 200)`);
      } catch (err) {
        healthy = false;
        if (err instanceof FunctionFailed || err instanceof FunctionTimeout) {
          void engine.kill(id);
          throw err;
        }
        // A broken connection is usually the function dying: tell the caller how it died if Docker
        // says so promptly.
        await Promise.race([exited, runtime.sleep(EXIT_GRACE_MS)]);
        void engine.kill(id);
        if (exitState) throw exitError(exitState, route.memory, " during the call");
        throw new FunctionFailed(`the connection to the function broke: ${(err as Error).message}`, { cause: err });
      } finally {
        stopInFlight = undefined;
        deadline.listen(undefined);
        output.end();
      }
    },
  };
}

/**
 * One `POST /call`; the answer's Fn-Http-Status and Fn-Http-H-* become the caller's status and
 * headers. Throws FunctionFailed when they could not be passed on (answer.ts).
 */
async function post(client: UnixHttpClient, inv: Invocation, maxBody: number): Promise<{ status: number; response: FunctionResponse }> {
  const headers = new Headers();
  // The caller's Fn-* headers never cross (headers.ts): the Fn-Http-* envelope is hotfn's alone.
  for (const [name, value] of toFunction(inv.headers)) {
    headers.append(name, clean(value));
    headers.append(`Fn-Http-H-${name}`, clean(value));
  }
  headers.set("Fn-Call-Id", inv.callId);
  headers.set("Fn-Deadline", deadlineHeader(inv.route.timeout));
  headers.set("Fn-Http-Method", inv.method);
  headers.set("Fn-Http-Request-Url", clean(inv.url));
  const res = await client.fetch("http://localhost/call", { method: "POST", headers, body: inv.body });
  const body = await readCapped(res, maxBody);
  try {
    return { status: res.status, response: listenerAnswer(res, body) };
  } catch (err) {
    if (err instanceof FramingError) throw new FunctionFailed(`the function broke the http-stream format: ${err.message}`);
    throw err;
  }
}

/**
 * The caller's answer from the listener's: status from Fn-Http-Status (a 502/504 of the listener's
 * own stands), headers from Fn-Http-H-*. Throws FramingError when they cannot be passed on.
 */
export function listenerAnswer(res: Response, body: Uint8Array): FunctionResponse {
  const out: [string, string][] = [];
  let status = res.status;
  res.headers.forEach((value, name) => {
    const lower = name.toLowerCase();
    if (lower === "fn-http-status") status = finalStatus(/^\d{3}$/.test(value.trim()) ? Number(value) : value, "Fn-Http-Status");
    else if (lower.startsWith("fn-http-h-") && lower.length > 10) out.push([name.slice(10), value]);
    else if (lower !== "date" && isEndToEnd(lower)) out.push([name, value]);
  });
  // A 502/504 from the listener is the function's own error: its status stands.
  if (res.status !== 200) status = res.status;
  for (const [name, value] of out) checkHeader(name, value);
  return { status, headers: toCaller(out), body: bodyFor(status, body) };
}

async function readCapped(res: Response, max: number): Promise<Uint8Array> {
  // An answer that states its length is read whole: a stream reader per call is most of the
  // garbage a small answer would leave, and `res.body` itself makes a ReadableStream. A stated
  // length over the cap fails before any is read.
  const declared = res.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared)) {
    if (Number(declared) > max) {
      void res.body?.cancel().catch(() => {});
      throw new FunctionFailed(`response larger than ${max} bytes`);
    }
    return new Uint8Array(await res.arrayBuffer());
  }
  if (!res.body) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.length;
    // Throwing out of the loop cancels the body stream.
    if (size > max) throw new FunctionFailed(`response larger than ${max} bytes`);
    parts.push(chunk);
  }
  return concatBytes(parts, size);
}

