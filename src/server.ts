/**
 * Assembles a running hotfn from a Config — store, HTTP app, Bun.serve — and stops it in order.
 * `main.ts` is the process entry; tests and benchmarks start hotfn as a process through it.
 * @module
 */
import { createApp } from "./api/app.ts";
import type { Config } from "./config.ts";
import type { Logger } from "./log.ts";
import { openStore } from "./store/index.ts";

export interface RunningServer {
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish (within the grace), closes the database. */
  stop(): Promise<void>;
}

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const store = await openStore({ url: config.dbUrl, authToken: config.dbAuthToken, log });
  const app = createApp({ config, log, store });
  const server = Bun.serve({
    port: config.port,
    hostname: config.host,
    fetch: app.fetch,
    maxRequestBodySize: Math.max(config.maxApiBody, config.maxRequestBody) + 1,
    // Calls may run up to the longest route timeout (3600 s); Bun's idle timeout must not cut them.
    idleTimeout: 0,
  });
  const url = `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${server.port}`;
  log.info("listening", { url, port: server.port, db: redact(config.dbUrl) });

  return {
    url,
    port: server.port ?? config.port,
    async stop() {
      await withGrace(server.stop(false), config.shutdownGraceMs, () => server.stop(true));
      await store.close();
      log.info("stopped");
    },
  };
}

async function withGrace(work: Promise<unknown>, ms: number, onTimeout: () => unknown) {
  let timer: Timer | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      onTimeout();
      resolve();
    }, ms);
  });
  await Promise.race([work, timeout]);
  clearTimeout(timer);
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}
