/**
 * `hotfn init`: writes a working function into a directory — func.yaml, the handler and what serves
 * it, and for `bun` a test of the handler. The templates are real files beside this module (the
 * bun one is type-checked and its test runs with hotfn's own), embedded as text in the executable.
 * @module
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { Invalid } from "../errors.ts";
import { FUNC_YAML, NAME } from "./func-yaml.ts";
// Imported as text (Bun's loader), not as code: TypeScript types them as the modules they are.
// @ts-expect-error a text import has a default export, the file's text
import bunHelper from "./templates/bun/fn.ts" with { type: "text" };
// @ts-expect-error a text import has a default export, the file's text
import bunHandler from "./templates/bun/func.ts" with { type: "text" };
// @ts-expect-error a text import has a default export, the file's text
import bunTest from "./templates/bun/func.test.ts" with { type: "text" };
// @ts-expect-error a text import has a default export, the file's text
import fdkHandler from "./templates/node-fdk/func.js" with { type: "text" };

/** The runtimes `hotfn init` has a template for. */
export const TEMPLATES = ["bun", "node-fdk"] as const;
export type Template = (typeof TEMPLATES)[number];

/** The FDK version the node-fdk template pins: the one hotfn's own tests run. */
const FDK_VERSION = "0.0.76";

export interface InitOptions {
  runtime: Template;
  /** the function's name; the directory's name (lower-cased) when absent */
  name?: string;
}

export interface InitResult {
  name: string;
  dir: string;
  /** the files written, relative to dir */
  files: string[];
}

/**
 * Writes the template for `runtime` into `dir` (created when missing). Throws Invalid when the name
 * cannot name an image or when a file it would write exists already: nothing is overwritten.
 */
export async function initFunction(dir: string, options: InitOptions): Promise<InitResult> {
  const name = options.name ?? basename(resolve(dir)).toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[._-]+|[._-]+$/g, "");
  if (!NAME.test(name)) {
    throw new Invalid(`function name ${JSON.stringify(name)}: must be lower case letters and digits, with . _ or - between them (it names the image); give one with --name`, "name");
  }
  const files = templateFiles(options.runtime, name);
  const existing = Object.keys(files).filter((f) => existsSync(join(dir, f)));
  if (existing.length > 0) throw new Invalid(`${dir} already has ${existing.join(", ")}; hotfn init writes a function into a new or empty directory`);
  await mkdir(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  return { name, dir, files: Object.keys(files) };
}

function templateFiles(runtime: Template, name: string): Record<string, string> {
  const format = "http-stream";
  const yaml = [
    "# A hotfn function (the fields of Fn's func.yaml, where they apply).",
    "# `hotfn build` makes the image NAME:VERSION; `hotfn deploy --app APP` serves it at /r/APP/PATH.",
    `name: ${name}`,
    "version: 0.0.1",
    `runtime: ${runtime}`,
    `format: ${format}`,
    "memory: 128",
    "timeout: 30",
    `path: /${name}`,
    "",
  ].join("\n");
  if (runtime === "bun") {
    const pkg = { name, private: true, type: "module", scripts: { test: "bun test" } };
    return {
      [FUNC_YAML]: yaml,
      "func.ts": bunHandler as string,
      "fn.ts": bunHelper as string,
      "func.test.ts": bunTest as string,
      "package.json": `${JSON.stringify(pkg, null, 2)}\n`,
    };
  }
  const pkg = { name, private: true, main: "func.js", dependencies: { "@fnproject/fdk": FDK_VERSION } };
  return {
    [FUNC_YAML]: yaml,
    "func.js": fdkHandler as string,
    "package.json": `${JSON.stringify(pkg, null, 2)}\n`,
  };
}
