/**
 * hotfn's command-line client: the command tree (commander: subcommands, per-command --help, typo
 * suggestions, option checks) and `runCli`, which runs one command and returns its exit code.
 * Commands talk to a hotfn server over its v1 API (HOTFN_API_URL, HOTFN_TOKEN) and, to build
 * images, to the Docker engine. The server itself (`hotfn`, `hotfn serve`) is started by main.ts.
 * @module
 */
import { Command, CommanderError } from "commander";
import { HotfnError } from "../errors.ts";
import { appsCommand } from "./apps.ts";
import { callCommands } from "./calls.ts";
import { ApiError, Unreachable } from "./client.ts";
import { completionScript } from "./completion.ts";
import { actionOf, type CliDeps, CliFailure } from "./context.ts";
import { functionCommands } from "./functions.ts";
import { routesCommand } from "./routes.ts";

export type { CliDeps } from "./context.ts";

export interface RunCliOptions extends CliDeps {
  /** the flags `hotfn serve` takes, for completion */
  serverFlags: string[];
}

/** Runs the command `argv` names (argv without the executable); resolves with its exit code. Never exits. */
export async function runCli(argv: string[], options: RunCliOptions): Promise<number> {
  const program = createProgram(options);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    // commander has printed its own message (or the help); its code is 0 for --help.
    if (err instanceof CommanderError) return err.exitCode;
    const known = err instanceof ApiError || err instanceof Unreachable || err instanceof CliFailure || err instanceof HotfnError;
    options.io.stderr(`hotfn: ${(err as Error)?.message ?? String(err)}\n`);
    if (!known && err instanceof Error && err.stack) options.io.stderr(`${err.stack}\n`);
    return 1;
  }
}

/** A short list of the commands, for the top of `hotfn --help` (which also lists the server's flags). */
export function commandsHelp(options: RunCliOptions): string {
  const program = createProgram(options);
  const rows = [["serve [flags]", "start the server (the default: hotfn with flags only); hotfn serve --help lists its flags"]];
  for (const c of program.commands) if (c.name() !== "help") rows.push([`${c.name()} ${c.usage()}`.trim(), c.description()]);
  const width = Math.max(...rows.map(([u]) => u!.length));
  return [
    "Commands (hotfn COMMAND --help for each; the client reads HOTFN_API_URL, default http://localhost:8080, and HOTFN_TOKEN):",
    ...rows.map(([u, d]) => `  ${u!.padEnd(width)}   ${d}`),
  ].join("\n");
}

function createProgram(options: RunCliOptions): Command {
  const program = new Command("hotfn")
    .usage("<command> [options]")
    .description("hotfn's client: manage apps and routes, call functions, and make, build and deploy them")
    .option("--json", "print the server's JSON (for scripts) instead of tables")
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({ writeOut: (s) => options.io.stdout(s), writeErr: (s) => options.io.stderr(s) })
    .addHelpText("after", "\nhotfn alone, or hotfn serve [flags], starts the server (hotfn serve --help).");

  program.addCommand(appsCommand(options));
  program.addCommand(routesCommand(options));
  for (const c of [...callCommands(options), ...functionCommands(options)]) program.addCommand(c);

  program
    .command("version")
    .description("print the client's and the server's versions")
    .action(
      actionOf(options, async (env) => {
        const server = await env.client().json<{ version: string }>("GET", "/version").then(
          (v) => v.version,
          (err: Error) => err,
        );
        if (env.out.json) {
          env.out.out(JSON.stringify({ client: env.version, server: server instanceof Error ? null : server, server_url: env.config.apiUrl }, null, 2));
        } else {
          env.out.out(`client: hotfn ${env.version}`);
          if (!(server instanceof Error)) env.out.out(`server: hotfn ${server} at ${env.client().url}`);
        }
        if (server instanceof Error) throw server;
      }),
    );

  program
    .command("completion")
    .description("print a shell completion script (bash or zsh): eval \"$(hotfn completion bash)\"")
    .argument("<shell>", "bash or zsh")
    .action(
      actionOf(options, async (env, _opts, shell) => {
        if (shell !== "bash" && shell !== "zsh") throw new CliFailure(`no completion for ${JSON.stringify(shell)}: bash or zsh`);
        env.out.out(completionScript(shell, program, options.serverFlags));
      }),
    );
  inherit(program);
  return program;
}

/** Subcommands made on their own (addCommand) get the program's settings: exitOverride, output, suggestions. */
function inherit(parent: Command): void {
  for (const sub of parent.commands) {
    sub.copyInheritedSettings(parent);
    inherit(sub);
  }
}
