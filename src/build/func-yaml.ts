/**
 * `func.yaml`, the function's own description: read and checked once here, so the build and the
 * deploy trust a typed `FuncSpec`. The fields are Fn's where they apply (name, version, runtime,
 * format, memory, timeout, idle_timeout, type, config) plus `path`, the v1 route; Fn's newer
 * `triggers` (an http trigger's `source`) stands in for `path`, so an Fn function's file works as it is.
 * @module
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Invalid } from "../errors.ts";

export const FUNC_YAML = "func.yaml";

/** What `hotfn build` knows how to package without a Dockerfile. `node` is Fn's name for node-fdk. */
export const RUNTIMES = ["bun", "node-fdk", "node", "docker"] as const;
export type Runtime = (typeof RUNTIMES)[number];

export interface FuncSpec {
  name: string;
  /** x.y.z; the image tag */
  version: string;
  runtime: Runtime;
  /** absent: the server's default (`default`) */
  format?: string;
  memory?: number;
  timeout?: number;
  idleTimeout?: number;
  type?: string;
  config?: Record<string, string>;
  /** the route path, `/NAME` unless func.yaml says otherwise */
  path: string;
}

/** Docker's rule for a repository name component (lower case; `.`, `_`, `-` between alphanumerics). */
export const NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const VERSION = /^(\d+)\.(\d+)\.(\d+)$/;
/** the `version:` line, as `hotfn init` and Fn write it */
const VERSION_LINE = /^(version:[ \t]*)(["']?)(\d+\.\d+\.\d+)\2([ \t]*(?:#.*)?)$/m;

/** A func.yaml that is missing, unreadable or has a bad field. */
export class FuncYamlInvalid extends Invalid {
  constructor(message: string, field?: string, options?: { cause?: unknown }) {
    super(message, field, options);
    this.name = "FuncYamlInvalid";
  }
}

/** Reads and checks `DIR/func.yaml`. Throws FuncYamlInvalid naming the file and the field at fault. */
export async function readFuncYaml(dir: string): Promise<FuncSpec> {
  const file = join(dir, FUNC_YAML);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new FuncYamlInvalid(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? err}); \`hotfn init ${dir}\` writes one`, undefined, { cause: err });
  }
  let doc: unknown;
  try {
    doc = Bun.YAML.parse(text);
  } catch (err) {
    throw new FuncYamlInvalid(`${file}: not valid YAML: ${(err as Error).message}`, undefined, { cause: err });
  }
  return checkSpec(doc, file);
}

/** The checks, apart from the reading, so that they can be tested on plain objects. */
export function checkSpec(doc: unknown, file = FUNC_YAML): FuncSpec {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new FuncYamlInvalid(`${file}: must be a mapping of fields`);
  const y = doc as Record<string, unknown>;
  const bad = (field: string, why: string): never => {
    throw new FuncYamlInvalid(`${file}: ${field} ${why}`, field);
  };
  const str = (field: string) => (y[field] === undefined || y[field] === null ? undefined : typeof y[field] === "string" || typeof y[field] === "number" ? String(y[field]) : bad(field, "must be a string"));
  const whole = (field: string) => {
    const value = y[field];
    if (value === undefined || value === null) return undefined;
    return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : bad(field, "must be a whole number above 0");
  };

  const name = str("name") ?? bad("name", "is required");
  if (!NAME.test(name)) bad("name", `${JSON.stringify(name)} must be lower case letters and digits, with . _ or - between them (it names the image)`);
  const version = str("version") ?? "0.0.1";
  if (!VERSION.test(version)) bad("version", `${JSON.stringify(version)} must be x.y.z`);
  const runtime = str("runtime") ?? "docker";
  if (!(RUNTIMES as readonly string[]).includes(runtime)) bad("runtime", `${JSON.stringify(runtime)} must be one of ${RUNTIMES.join(", ")}`);

  let path = str("path") ?? httpTrigger(y.triggers) ?? `/${name}`;
  if (!path.startsWith("/")) path = `/${path}`;
  const config = y.config === undefined || y.config === null ? undefined : stringMap(y.config) ?? bad("config", "must map names to strings");

  const spec: FuncSpec = { name, version, runtime: runtime as Runtime, path };
  const format = str("format");
  if (format !== undefined) spec.format = format;
  const type = str("type");
  if (type !== undefined) spec.type = type;
  const memory = whole("memory");
  if (memory !== undefined) spec.memory = memory;
  const timeout = whole("timeout");
  if (timeout !== undefined) spec.timeout = timeout;
  const idleTimeout = whole("idle_timeout");
  if (idleTimeout !== undefined) spec.idleTimeout = idleTimeout;
  if (config !== undefined) spec.config = config;
  return spec;
}

/** `x.y.z` → `x.y.(z+1)` */
export function nextPatch(version: string): string {
  const m = VERSION.exec(version);
  if (!m) throw new FuncYamlInvalid(`version ${JSON.stringify(version)} must be x.y.z`, "version");
  return `${m[1]}.${m[2]}.${Number(m[3]) + 1}`;
}

/**
 * Writes `version` into DIR/func.yaml, changing only the `version:` line (comments and layout stay),
 * or adding one after `name:` when there is none.
 */
export async function writeVersion(dir: string, version: string): Promise<void> {
  const file = join(dir, FUNC_YAML);
  const text = await readFile(file, "utf8");
  const updated = VERSION_LINE.test(text)
    ? text.replace(VERSION_LINE, (_all, key: string, quote: string, _old: string, rest: string) => `${key}${quote}${version}${quote}${rest}`)
    : text.replace(/^(name:.*)$/m, `$1\nversion: ${version}`);
  if (updated === text && !text.includes(`version: ${version}`)) throw new FuncYamlInvalid(`${file}: found no \`version:\` line to raise`, "version");
  await writeFile(file, updated);
}

/** The source of Fn's first http trigger (`triggers: [{type: http, source: /x}]`). */
function httpTrigger(triggers: unknown): string | undefined {
  if (!Array.isArray(triggers)) return undefined;
  const http = triggers.find((t) => typeof t === "object" && t !== null && (t as { type?: unknown }).type === "http");
  const source = (http as { source?: unknown } | undefined)?.source;
  return typeof source === "string" && source !== "" ? source : undefined;
}

function stringMap(value: unknown): Record<string, string> | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") return undefined;
    out[k] = String(v);
  }
  return out;
}
