/**
 * What every CLI command gets: the output (tables or --json), the API client, the image builder and
 * the settings — made on first use, so that `hotfn init` never needs a server nor `hotfn apps` a
 * Docker engine — and the typed failure that ends a command with exit code 1.
 * @module
 */
import { type Command, InvalidArgumentError } from "commander";
import type { ClientConfig } from "../config.ts";
import { createImageBuilder, type ImageBuilder } from "../docker/image-builder.ts";
import { type ApiClient, createClient } from "./client.ts";
import { createOutput, type Output } from "./output.ts";

/** A command that did not succeed for a reason the user can act on; printed as `hotfn: message`. */
export class CliFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliFailure";
  }
}

export interface CliIO {
  stdout(data: string | Uint8Array): void;
  stderr(data: string): void;
  /** all of stdin, or undefined when stdin is a terminal (nothing is piped in) */
  readStdin(): Promise<Uint8Array | undefined>;
}

export interface Env {
  out: Output;
  config: ClientConfig;
  /** this executable's version */
  version: string;
  client(): ApiClient;
  builder(): ImageBuilder;
  readStdin(): Promise<Uint8Array | undefined>;
}

export interface CliDeps {
  config: ClientConfig;
  version: string;
  io: CliIO;
}

type Handler = (env: Env, options: any, ...args: string[]) => Promise<void>;

/**
 * Turns `handler(env, options, ...arguments)` into a commander action: commander calls actions
 * with the arguments, then the options, then the command itself (whose globals hold --json).
 */
export function actionOf(deps: CliDeps, handler: Handler) {
  return async (...params: unknown[]) => {
    const command = params.at(-1) as Command;
    const options = params.at(-2);
    const args = params.slice(0, -2) as string[];
    const json = command.optsWithGlobals<{ json?: boolean }>().json === true;
    let client: ApiClient | undefined;
    let builder: ImageBuilder | undefined;
    const env: Env = {
      out: createOutput({ json, stdout: deps.io.stdout, stderr: deps.io.stderr }),
      config: deps.config,
      version: deps.version,
      client: () => (client ??= createClient({ apiUrl: deps.config.apiUrl, token: deps.config.token })),
      builder: () => (builder ??= createImageBuilder({ dockerHost: deps.config.dockerHost })),
      readStdin: deps.io.readStdin,
    };
    await handler(env, options, ...args);
  };
}

/** `KEY=VALUE` options collected into a map (commander's repeatable-option reducer). */
export function collectPairs(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError("expected KEY=VALUE");
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** `Name: value` (as curl takes it) or `Name=value` options collected into a map of headers. */
export function collectHeaders(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const at = [value.indexOf(":"), value.indexOf("=")].filter((i) => i > 0);
  if (at.length === 0) throw new InvalidArgumentError("expected Name: value or Name=value");
  const split = Math.min(...at);
  return { ...previous, [value.slice(0, split).trim()]: value.slice(split + 1).trim() };
}

/** A whole number option value (commander's parser for --memory, --timeout ...). */
export function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("expected a whole number");
  return Number(value);
}
