/**
 * `hotfn call APP ROUTE` (run a function: the body from --data or stdin, its answer on stdout),
 * `hotfn calls APP ROUTE` (the route's recorded calls) and `hotfn logs CALL_ID` (a call's log).
 * @module
 */
import { Command } from "commander";
import { apiError, pathParam } from "./client.ts";
import { actionOf, type CliDeps, CliFailure, collectHeaders, wholeNumber } from "./context.ts";
import { table, when } from "./output.ts";
import { listAll } from "./paging.ts";
import type { CallJson } from "../wire.ts";

export function callCommands(deps: CliDeps): Command[] {
  const act = (handler: Parameters<typeof actionOf>[1]) => actionOf(deps, handler);

  const call = new Command("call")
    .description("call a function: the body from --data or stdin, the answer on stdout; exits 1 unless it is 2xx")
    .argument("<app>", "the app's name")
    .argument("<route>", "the route's path, e.g. /hello")
    .option("-d, --data <body>", "the body to send (default: stdin, when something is piped in)")
    .option("-X, --method <method>", "the HTTP method (default: POST, GET when there is no body)")
    .option("-H, --header <header>", "a request header, 'Name: value' or Name=value (repeatable)", collectHeaders)
    .action(
      act(async (env, opts: { data?: string; method?: string; header?: Record<string, string> }, app, route) => {
        const body = opts.data !== undefined ? new TextEncoder().encode(opts.data) : await env.readStdin();
        const method = (opts.method ?? (body === undefined ? "GET" : "POST")).toUpperCase();
        const res = await env.client().raw(method, `/r/${encodeURIComponent(app!)}${pathParam(route!)}`, {
          body: method === "GET" || method === "HEAD" ? undefined : (body as Uint8Array<ArrayBuffer> | undefined),
          headers: opts.header,
        });
        const callId = res.headers.get("Fn-Call-Id") ?? undefined;
        const bytes = new Uint8Array(await res.arrayBuffer());
        if (env.out.json) {
          const headers = Object.fromEntries(res.headers);
          env.out.out(JSON.stringify({ status: res.status, call_id: callId, headers, body: new TextDecoder().decode(bytes) }, null, 2));
        } else if (res.ok || !isHotfnError(res, bytes)) {
          // The function's own answer, whatever its status, is the output.
          env.out.bytes(bytes);
        }
        if (res.ok) return;
        const logs = callId ? ` (call ${callId}: hotfn logs ${callId})` : "";
        if (isHotfnError(res, bytes)) throw new CliFailure(`${apiError(res.status, JSON.parse(new TextDecoder().decode(bytes)), "").message}${logs}`);
        throw new CliFailure(`the function answered ${res.status}${logs}`);
      }),
    );

  const calls = new Command("calls")
    .description("list a route's calls, newest first")
    .argument("<app>", "the app's name")
    .argument("<route>", "the route's path")
    .option("--status <status>", "only calls in this state: queued, running, success, error, timeout or cancelled")
    .option("-n, --limit <n>", "at most this many", wholeNumber, 30)
    .action(
      act(async (env, opts: { status?: string; limit: number }, app, route) => {
        const query: Record<string, string> = opts.status === undefined ? {} : { status: opts.status };
        const all = await listAll<CallJson>(env.client(), `/v1/apps/${encodeURIComponent(app!)}/calls${pathParam(route!)}`, "calls", opts.limit, query);
        if (env.out.json) return env.out.out(JSON.stringify({ calls: all }, null, 2));
        env.out.out(
          table(all, [
            ["id", (c) => c.id],
            ["status", (c) => c.status],
            ["created", (c) => when(c.created_at)],
            ["took", (c) => took(c)],
            ["error", (c) => c.error ?? ""],
          ]),
        );
      }),
    );

  const logs = new Command("logs")
    .description("print a call's log (what the function wrote to stderr)")
    .argument("<call>", "the call's id (Fn-Call-Id; hotfn calls lists them)")
    .action(
      act(async (env, _opts, id) => {
        if (env.out.json) return env.out.out(JSON.stringify(await env.client().json("GET", `/v1/calls/${encodeURIComponent(id!)}/log`), null, 2));
        const res = await env.client().raw("GET", `/v1/calls/${encodeURIComponent(id!)}/log`, { headers: { Accept: "text/plain" } });
        const text = await res.text();
        if (!res.ok) throw apiError(res.status, parseOrUndefined(text), text);
        env.out.bytes(new TextEncoder().encode(text));
      }),
    );

  return [call, calls, logs];
}

/** hotfn's own error answers are `{"error":{"message"}}` in JSON; anything else is the function's. */
function isHotfnError(res: Response, bytes: Uint8Array): boolean {
  if (res.ok || !(res.headers.get("content-type") ?? "").includes("application/json")) return false;
  const parsed = parseOrUndefined(new TextDecoder().decode(bytes)) as { error?: { message?: unknown } } | undefined;
  return typeof parsed?.error?.message === "string";
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function took(c: CallJson): string {
  if (!c.started_at || !c.completed_at) return "-";
  const ms = Date.parse(c.completed_at) - Date.parse(c.started_at);
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
