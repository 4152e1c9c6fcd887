/**
 * The composition root and process entry: parse config (print every bad field and exit non-zero),
 * start hotfn, stop it in order on SIGTERM/SIGINT.
 * @module
 */
import { loadConfig } from "./config.ts";
import { createLogger } from "./log.ts";
import { startServer } from "./server.ts";

const result = loadConfig();
switch (result.kind) {
  case "help":
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
    try {
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
