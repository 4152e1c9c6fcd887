/**
 * The composition root and process entry. `hotfn COMMAND ...` runs a CLI command (cli/) and exits
 * with its code; `hotfn [flags]` and `hotfn serve [flags]` start the server as always: parse config
 * (print every bad field and exit non-zero), start hotfn, stop it in order on SIGTERM/SIGINT.
 * @module
 */
import { loadClientConfig, loadConfig, SERVER_FLAGS, VERSION } from "./config.ts";
import { isCliCommand } from "./cli/commands.ts";
import type { RunCliOptions } from "./cli/index.ts";
import { createLogger } from "./log.ts";
import { runtime } from "./runtime/index.ts";

const argv = [...runtime.args];
const cli: RunCliOptions = {
  config: loadClientConfig(),
  version: VERSION,
  serverFlags: [...SERVER_FLAGS],
  io: {
    stdout: (data) => process.stdout.write(data),
    stderr: (data) => process.stderr.write(data),
    // A terminal, or nothing piped in, is no body.
    readStdin: async () => {
      const bytes = await runtime.readStdin();
      return bytes === undefined || bytes.length === 0 ? undefined : bytes;
    },
  },
};

// The CLI is loaded only when used: a server that loads it carries its code, and every collection of
// the JS engine's young generation takes longer the more code is loaded (bench/README.md "Issue 10").
const loadCli = () => import("./cli/index.ts");

if (isCliCommand(argv[0])) {
  const code = await (await loadCli()).runCli(argv, cli);
  // Let stdout drain (a large answer piped to another program) before the process ends.
  await new Promise<void>((resolve) => (process.stdout.writableNeedDrain ? process.stdout.once("drain", resolve) : resolve()));
  process.exit(code);
}

const serving = argv[0] === "serve";
const result = loadConfig(serving ? argv.slice(1) : argv);
switch (result.kind) {
  case "help":
    console.log(serving ? result.text : `${result.text}\n\n${(await loadCli()).commandsHelp(cli)}`);
    process.exit(0);
    break;
  case "version":
    console.log(result.text);
    process.exit(0);
    break;
  case "errors":
    console.error(`hotfn: bad configuration:\n${result.errors.map((e) => `  - ${e}`).join("\n")}`);
    process.exit(2);
    break;
  case "config": {
    // A log reader that went away (a closed pipe) must not turn a clean shutdown into a crash.
    process.stderr.on("error", () => {});
    const log = createLogger(result.config.logLevel);
    // Before the server's code loads: on Bun the process may start again from the top.
    runtime.tuneForServing();
    try {
      const { startServer } = await import("./server.ts");
      const server = await startServer(result.config, log);
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info("shutting down", { signal });
        server.stop().then(
          () => process.exit(0),
          (err) => {
            log.error("shutdown failed", { err });
            process.exit(1);
          },
        );
      };
      process.on("SIGTERM", () => shutdown("SIGTERM"));
      process.on("SIGINT", () => shutdown("SIGINT"));
    } catch (err) {
      log.error("hotfn could not start", { err });
      process.exit(1);
    }
  }
}
