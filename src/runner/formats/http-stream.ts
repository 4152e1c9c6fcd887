/**
 * The `http-stream` format (Fn's later contract, what @fnproject/fdk speaks): the function listens on
 * a unix socket in a host directory bind-mounted at /tmp/iofs, and each call is `POST /call` over it.
 * Ready when `lsnr.sock` appears (the FDK binds `lsnr.sock.tmp` and symlinks `lsnr.sock` to it).
 * @module
 */
import { chmod, lstat, mkdir, mkdtemp, readlink, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { FunctionFailed, FunctionTimeout } from "../../errors.ts";
import type { App, Route } from "../../model.ts";
import { clean, deadline, functionEnv } from "../contract.ts";
import type { FunctionResponse, HotContainer, Invocation } from "../types.ts";
import { abortError, exitError, type FormatDeps, functionLabels, launch, strayOutput } from "./container.ts";
import { createCallLogRouter, settleOutput } from "./call-log.ts";
import { concatBytes } from "./framing.ts";
import { forwardable } from "./headers.ts";

const MOUNT = "/tmp/iofs";
const SOCKET = "lsnr.sock";
const POLL_MS = 5;
/** How long a broken connection waits to learn whether the container exited. */
const EXIT_GRACE_MS = 3000;

export interface StreamDeps extends FormatDeps {
  /** host directory under which each container gets its own socket directory */
  iofsRoot: string;
  /** how long a container may take to open its socket */
  startTimeoutMs: number;
}

/** Starts the container and resolves once its socket is there. */
export async function startStreamHot(deps: StreamDeps, app: App, route: Route, signal: AbortSignal): Promise<HotContainer> {
  const { engine, log } = deps;
  await mkdir(deps.iofsRoot, { recursive: true });
  const dir = await mkdtemp(join(deps.iofsRoot, "c-"));
  // The function may run as any user; the directory is private to this container anyway.
  await chmod(dir, 0o777);
  const socket = join(dir, SOCKET);
  const output = createCallLogRouter((chunk) => strayOutput(log, id, "stderr", chunk));
  let healthy = true;
  let id = "";

  let running: Awaited<ReturnType<typeof launch>>;
  try {
    running = await launch(
      engine,
      {
        image: route.image,
        env: { ...functionEnv(app, route), FN_LISTENER: `unix:${MOUNT}/${SOCKET}` },
        labels: functionLabels(app, route),
        memoryMiB: route.memory,
        binds: [{ host: dir, container: MOUNT }],
      },
      {
        // The answer comes over the socket; both streams are the function's log.
        stdout: (chunk) => output.write(chunk),
        stderr: (chunk) => output.write(chunk),
      },
      signal,
      route,
    );
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  id = running.id;
  let exitState: Awaited<typeof running.exit> | undefined;
  const exited = running.exit.then((state) => {
    exitState = state;
    healthy = false;
  });

  let destroyed: Promise<void> | undefined;
  const destroy = () => {
    destroyed ??= (async () => {
      healthy = false;
      running.io.close();
      await engine.remove(id);
      await rm(dir, { recursive: true, force: true }).catch(() => {});
    })();
    return destroyed;
  };

  try {
    await waitForSocket(dir, deps.startTimeoutMs, signal, () => exitState, route);
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
    destroy,
    async call(inv, log, callSignal) {
      if (!healthy) throw new FunctionFailed("the function's container is no longer usable");
      output.begin(log);
      try {
        const answer = await Promise.race([
          post(socket, inv, callSignal, deps.maxResponseBody),
          exited.then(() => Promise.reject(exitError(exitState!, route.memory, " during the call"))),
        ]);
        // Fn's contract: 502/504 are the function's own errors; the container stays.
        if (answer.status === 200 || answer.status === 502 || answer.status === 504) {
          await settleOutput();
          return answer.response;
        }
        throw new FunctionFailed(`the function's listener answered ${answer.status} (http-stream expects 200)`);
      } catch (err) {
        healthy = false;
        if (callSignal.aborted) {
          void engine.kill(id);
          throw abortError(callSignal, route);
        }
        if (err instanceof FunctionFailed || err instanceof FunctionTimeout) {
          void engine.kill(id);
          throw err;
        }
        // A broken connection is usually the function dying: tell the caller how it died if Docker
        // says so promptly.
        await Promise.race([exited, Bun.sleep(EXIT_GRACE_MS)]);
        void engine.kill(id);
        if (exitState) throw exitError(exitState, route.memory, " during the call");
        throw new FunctionFailed(`the connection to the function broke: ${(err as Error).message}`, { cause: err });
      } finally {
        output.end();
      }
    },
  };
}

/**
 * Polls for the socket: a direct bind, or a relative symlink to a socket in the same directory.
 * Rejects with FunctionFailed on an exit or a bad link, FunctionTimeout when it takes too long.
 */
async function waitForSocket(dir: string, timeoutMs: number, signal: AbortSignal, exit: () => { exitCode: number; oomKilled: boolean } | undefined, route: Route): Promise<void> {
  const until = Date.now() + timeoutMs;
  const path = join(dir, SOCKET);
  for (;;) {
    if (signal.aborted) throw abortError(signal, route);
    const state = exit();
    if (state) throw exitError(state, route.memory, " before it opened its socket");
    const info = await lstat(path).catch(() => null);
    if (info?.isSocket()) return;
    if (info?.isSymbolicLink()) {
      const target = await readlink(path);
      if (target.includes("/")) throw new FunctionFailed(`the function's socket link points outside its directory (${target})`);
      const linked = await stat(path).catch(() => null);
      if (linked?.isSocket()) return;
      if (linked) throw new FunctionFailed(`the function's socket link points to something that is not a socket (${target})`);
    }
    if (Date.now() >= until) throw new FunctionTimeout(`function did not open its socket within ${timeoutMs} ms`);
    await Bun.sleep(POLL_MS);
  }
}

/** One `POST /call`; the answer's Fn-Http-Status and Fn-Http-H-* become the caller's status and headers. */
async function post(socket: string, inv: Invocation, signal: AbortSignal, maxBody: number): Promise<{ status: number; response: FunctionResponse }> {
  const headers = new Headers();
  for (const [name, value] of inv.headers) {
    if (!forwardable(name)) continue;
    headers.append(name, clean(value));
    headers.append(`Fn-Http-H-${name}`, clean(value));
  }
  headers.set("Fn-Call-Id", inv.callId);
  headers.set("Fn-Deadline", deadline(inv.route.timeout));
  headers.set("Fn-Http-Method", inv.method);
  headers.set("Fn-Http-Request-Url", clean(inv.url));
  const res = await fetch("http://localhost/call", { method: "POST", unix: socket, headers, body: inv.body, signal });
  const body = await readCapped(res, maxBody);

  const out: [string, string][] = [];
  let status = res.status;
  res.headers.forEach((value, name) => {
    const lower = name.toLowerCase();
    if (lower === "fn-http-status") status = Number(value) || status;
    else if (lower.startsWith("fn-http-h-") && lower.length > 10) out.push([name.slice(10), value]);
    else if (!lower.startsWith("fn-") && lower !== "date" && forwardable(lower)) out.push([name, value]);
  });
  // A 502/504 from the listener is the function's own error: its status stands.
  if (res.status !== 200) status = res.status;
  return { status: res.status, response: { status, headers: out, body } };
}

async function readCapped(res: Response, max: number): Promise<Uint8Array> {
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

