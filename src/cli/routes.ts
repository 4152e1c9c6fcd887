/**
 * `hotfn routes list|get|create|update|delete`: the v1 /apps/{app}/routes resource from the
 * command line. The server checks every field; its message is what a bad one prints.
 * @module
 */
import { Command } from "commander";
import { pathParam } from "./client.ts";
import { actionOf, type CliDeps, collectHeaders, collectPairs, type Env, wholeNumber } from "./context.ts";
import { details, table, when } from "./output.ts";
import { listAll } from "./paging.ts";
import type { RouteJson } from "../wire.ts";

interface RouteOptions {
  image?: string;
  type?: string;
  format?: string;
  memory?: number;
  timeout?: number;
  idleTimeout?: number;
  config?: Record<string, string>;
  header?: Record<string, string>;
}

export const routeUrl = (app: string, path: string) => `/v1/apps/${encodeURIComponent(app)}/routes${pathParam(path)}`;

export function routesCommand(deps: CliDeps): Command {
  const act = (handler: Parameters<typeof actionOf>[1]) => actionOf(deps, handler);
  const routes = new Command("routes").description("list, show, create, update or delete an app's routes");

  routes
    .command("list")
    .description("list an app's routes")
    .argument("<app>", "the app's name")
    .action(
      act(async (env, _opts, app) => {
        const all = await listAll<RouteJson>(env.client(), `/v1/apps/${encodeURIComponent(app!)}/routes`, "routes");
        if (env.out.json) return env.out.out(JSON.stringify({ routes: all }, null, 2));
        env.out.out(
          table(all, [
            ["path", (r) => r.path],
            ["image", (r) => r.image],
            ["format", (r) => r.format],
            ["type", (r) => r.type],
            ["memory", (r) => `${r.memory} MiB`],
            ["timeout", (r) => `${r.timeout} s`],
          ]),
        );
      }),
    );

  routes
    .command("get")
    .description("show a route")
    .argument("<app>", "the app's name")
    .argument("<path>", "the route's path, e.g. /hello")
    .action(act(async (env, _opts, app, path) => show(env, await env.client().json("GET", routeUrl(app!, path!)))));

  withFields(routes.command("create").description("create a route (and its app, when missing)"))
    .argument("<app>", "the app's name")
    .argument("<path>", "the route's path, e.g. /hello or /users/:id")
    .action(
      act(async (env, opts: RouteOptions, app, path) => {
        const route = { path: path!.startsWith("/") ? path : `/${path}`, ...fields(opts) };
        show(env, await env.client().json("POST", `/v1/apps/${encodeURIComponent(app!)}/routes`, { route }), `created route ${route.path} of app ${app}`);
      }),
    );

  withFields(routes.command("update").description("change a route (config and headers merge; KEY= with no value removes KEY)"))
    .argument("<app>", "the app's name")
    .argument("<path>", "the route's path")
    .action(
      act(async (env, opts: RouteOptions, app, path) => {
        show(env, await env.client().json("PATCH", routeUrl(app!, path!), { route: fields(opts) }), `updated route ${path} of app ${app}`);
      }),
    );

  routes
    .command("delete")
    .description("delete a route")
    .argument("<app>", "the app's name")
    .argument("<path>", "the route's path")
    .action(
      act(async (env, _opts, app, path) => {
        const answer = await env.client().json("DELETE", routeUrl(app!, path!));
        env.out.out(env.out.json ? JSON.stringify(answer, null, 2) : `deleted route ${path} of app ${app}`);
      }),
    );
  return routes;
}

function withFields(command: Command): Command {
  return command
    .option("--image <image>", "the function's image, e.g. hello:0.0.2")
    .option("--format <format>", "default, http, json or http-stream")
    .option("--type <type>", "sync, or async (answered 202 at once, run later)")
    .option("--memory <MiB>", "memory limit", wholeNumber)
    .option("--timeout <seconds>", "longest run of a call", wholeNumber)
    .option("--idle-timeout <seconds>", "how long an idle hot container lives", wholeNumber)
    .option("--config <KEY=VALUE>", "configuration, given to the function as environment variables (repeatable)", collectPairs)
    .option("--header <header>", "a header added to every answer of the route, 'Name: value' or Name=value (repeatable)", collectHeaders);
}

/** The route fields the options set, in the v1 wire shape; the server checks them. */
function fields(o: RouteOptions): Record<string, unknown> {
  return {
    image: o.image,
    type: o.type,
    format: o.format,
    memory: o.memory,
    timeout: o.timeout,
    idle_timeout: o.idleTimeout,
    config: o.config,
    headers: o.header,
  };
}

function show(env: Env, answer: { route: RouteJson }, note?: string): void {
  if (env.out.json) return env.out.out(JSON.stringify(answer, null, 2));
  if (note) env.out.err(note);
  const r = answer.route;
  env.out.out(
    details({
      app: r.app_name,
      path: r.path,
      image: r.image,
      type: r.type,
      format: r.format,
      memory: `${r.memory} MiB`,
      timeout: `${r.timeout} s`,
      idle_timeout: `${r.idle_timeout} s`,
      headers: r.headers ?? {},
      config: r.config ?? {},
      created: when(r.created_at),
      updated: when(r.updated_at),
    }),
  );
}
