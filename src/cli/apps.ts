/**
 * `hotfn apps list|get|create|update|delete`: the v1 /apps resource from the command line.
 * @module
 */
import { Command } from "commander";
import { actionOf, type CliDeps, collectPairs, type Env } from "./context.ts";
import { details, inline, table, when } from "./output.ts";
import { listAll } from "./paging.ts";
import type { AppJson } from "../wire.ts";

const app = (name: string) => `/v1/apps/${encodeURIComponent(name)}`;

export function appsCommand(deps: CliDeps): Command {
  const act = (handler: Parameters<typeof actionOf>[1]) => actionOf(deps, handler);
  const apps = new Command("apps").description("list, show, create, update or delete apps");

  apps
    .command("list")
    .description("list the apps")
    .action(
      act(async (env) => {
        const all = await listAll<AppJson>(env.client(), "/v1/apps", "apps");
        if (env.out.json) return env.out.out(JSON.stringify({ apps: all }, null, 2));
        env.out.out(table(all, [["name", (a) => a.name], ["config", (a) => inline(a.config)], ["created", (a) => when(a.created_at)]]));
      }),
    );

  apps
    .command("get")
    .description("show an app")
    .argument("<app>", "the app's name")
    .action(act(async (env, _opts, name) => show(env, await env.client().json("GET", app(name!)))));

  apps
    .command("create")
    .description("create an app")
    .argument("<app>", "the app's name (1-30 of A-Z a-z 0-9 _ -)")
    .option("--config <KEY=VALUE>", "configuration, given to its functions as environment variables (repeatable)", collectPairs)
    .action(
      act(async (env, opts: { config?: Record<string, string> }, name) => {
        show(env, await env.client().json("POST", "/v1/apps", { app: { name, config: opts.config } }), `created app ${name}`);
      }),
    );

  apps
    .command("update")
    .description("change an app's configuration (KEY= with no value removes KEY)")
    .argument("<app>", "the app's name")
    .option("--config <KEY=VALUE>", "set (or, with no value, remove) a configuration key (repeatable)", collectPairs)
    .action(
      act(async (env, opts: { config?: Record<string, string> }, name) => {
        show(env, await env.client().json("PATCH", app(name!), { app: { config: opts.config ?? {} } }), `updated app ${name}`);
      }),
    );

  apps
    .command("delete")
    .description("delete an app (it must have no routes left)")
    .argument("<app>", "the app's name")
    .action(
      act(async (env, _opts, name) => {
        const answer = await env.client().json("DELETE", app(name!));
        env.out.out(env.out.json ? JSON.stringify(answer, null, 2) : `deleted app ${name}`);
      }),
    );
  return apps;
}

/** One app as `key: value` lines (after `note`, on stderr), or the server's JSON. */
function show(env: Env, answer: { app: AppJson }, note?: string): void {
  if (env.out.json) return env.out.out(JSON.stringify(answer, null, 2));
  if (note) env.out.err(note);
  const a = answer.app;
  env.out.out(details({ name: a.name, config: a.config ?? {}, created: when(a.created_at), updated: when(a.updated_at) }));
}
