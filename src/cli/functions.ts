/**
 * The function developer's commands: `hotfn init DIR` (a working function from a template),
 * `hotfn build DIR` (a local image, no registry) and `hotfn deploy DIR --app APP` (build, then
 * create or update the route, and print the URL to call).
 * @module
 */
import { Command, Option } from "commander";
import { buildFunction, type BuiltFunction } from "../build/build.ts";
import type { FuncSpec } from "../build/func-yaml.ts";
import { initFunction, type Template, TEMPLATES } from "../build/init.ts";
import { ApiError } from "./client.ts";
import { actionOf, type CliDeps, CliFailure, type Env } from "./context.ts";
import { routeUrl } from "./routes.ts";
import { runtime } from "../runtime/index.ts";

export function functionCommands(deps: CliDeps): Command[] {
  const act = (handler: Parameters<typeof actionOf>[1]) => actionOf(deps, handler);

  const init = new Command("init")
    .description("write a new function into DIR: func.yaml, a handler, and a test of it")
    .argument("<dir>", "the function's directory (created when missing)")
    .addOption(new Option("--runtime <runtime>", "bun (a TypeScript handler, no dependency) or node-fdk (Fn's Node.js FDK)").choices(TEMPLATES).default("bun"))
    .option("--name <name>", "the function's name (default: the directory's)")
    .action(
      act(async (env, opts: { runtime: Template; name?: string }, dir) => {
        const made = await initFunction(dir!, { runtime: opts.runtime, name: opts.name });
        if (env.out.json) return env.out.out(JSON.stringify(made, null, 2));
        env.out.out(`wrote ${dir}: ${made.files.join(" ")}`);
        env.out.out(`deploy it with: hotfn deploy ${dir} --app APP`);
      }),
    );

  const build = new Command("build")
    .description("build DIR into a local image NAME:VERSION (no registry; a Dockerfile in DIR is used when there is one)")
    .argument("<dir>", "the function's directory (with func.yaml)")
    .option("--bump", "raise the patch version in func.yaml first")
    .option("-q, --quiet", "show no progress, only the image's name")
    .action(
      act(async (env, opts: { bump?: boolean; quiet?: boolean }, dir) => {
        const built = await buildOf(env, dir!, opts.bump === true, opts.quiet === true);
        env.out.out(env.out.json ? JSON.stringify(builtJson(built), null, 2) : built.image);
      }),
    );

  const deploy = new Command("deploy")
    .description("build DIR, then create or update its route in APP; prints the URL to call")
    .argument("<dir>", "the function's directory (with func.yaml)")
    .requiredOption("--app <app>", "the app the route belongs to (created when missing)")
    .option("--no-bump", "keep func.yaml's version (by default each deploy raises the patch version, as Fn's does)")
    .option("-q, --quiet", "show no progress, only the URL")
    .action(
      act(async (env, opts: { app: string; bump: boolean; quiet?: boolean }, dir) => {
        // Reach the server before building, so that a wrong URL or token fails in a second.
        await env.client().json("GET", "/v1/apps?per_page=1");
        const built = await buildOf(env, dir!, opts.bump, opts.quiet === true);
        const { created, route } = await upsertRoute(env, opts.app, built);
        const url = `${env.client().url}/r/${encodeURIComponent(opts.app)}${route.path}`;
        if (env.out.json) return env.out.out(JSON.stringify({ ...builtJson(built), app: opts.app, route, created, url }, null, 2));
        if (opts.quiet !== true) env.out.err(`${created ? "created" : "updated"} route ${route.path} of app ${opts.app} (image ${built.image})`);
        env.out.out(url);
      }),
    );

  return [init, build, deploy];
}

async function buildOf(env: Env, dir: string, bump: boolean, quiet: boolean): Promise<BuiltFunction> {
  // Building bundles the function with Bun's bundler and packages the Bun runtime this process is.
  if (runtime.name !== "bun") throw new CliFailure(`hotfn build and deploy run on Bun only (they bundle with Bun and package its runtime): use the Bun executable (npm run build: dist/hotfn) or bun src/main.ts; this is ${runtime.name} ${runtime.version}`);
  return buildFunction(dir, { builder: env.builder(), bump, quiet, registry: env.config.registry, write: (line) => env.out.err(line) });
}

/**
 * Points the route at the new image: PATCH when it exists (the server then retires the containers
 * of the old code once their calls finish), else POST (which creates the app too when missing).
 */
async function upsertRoute(env: Env, app: string, built: BuiltFunction): Promise<{ created: boolean; route: { path: string; image: string } }> {
  const fields = routeFields(built.spec, built.image);
  try {
    const { route } = await env.client().json("PATCH", routeUrl(app, built.spec.path), { route: fields });
    return { created: false, route };
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
  }
  const { route } = await env.client().json("POST", `/v1/apps/${encodeURIComponent(app)}/routes`, { route: { path: built.spec.path, ...fields } });
  return { created: true, route };
}

/** func.yaml's fields in the v1 route shape; absent ones keep the server's defaults (or current values). */
function routeFields(spec: FuncSpec, image: string): Record<string, unknown> {
  return { image, format: spec.format, type: spec.type, memory: spec.memory, timeout: spec.timeout, idle_timeout: spec.idleTimeout, config: spec.config };
}

function builtJson(b: BuiltFunction) {
  return { image: b.image, id: b.id, name: b.spec.name, version: b.spec.version, size: b.size, own_size: b.ownSize, base: b.base };
}
