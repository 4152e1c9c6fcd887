/**
 * hotfn's configuration: every setting, its env var, its flag and its default, parsed once at start
 * into a frozen typed object. The only module that reads the environment.
 * @module
 */
import { readFileSync } from "node:fs";
import { availableParallelism, hostname, totalmem } from "node:os";
import * as v from "valibot";
import pkg from "../package.json" with { type: "json" };
import { runtime } from "./runtime/index.ts";

export const VERSION: string = pkg.version;

const MiB = 1024 * 1024;
/** Memory kept back for the OS, Docker and hotfn itself when HOTFN_MAX_MEMORY is not set. */
const MEMORY_MARGIN_MIB = 1024;
export const MACHINE_MEMORY_MIB = Math.floor(totalmem() / MiB);
/** The most container starts in flight by default, however many cores (the default before it followed them). */
const MAX_DEFAULT_STARTS = 4;

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  v.pipe(v.string(), v.trim(), v.regex(/^\d+$/, "must be a whole number"), v.transform(Number), v.minValue(min), v.maxValue(max));

const bool = v.pipe(
  v.string(),
  v.trim(),
  v.toLowerCase(),
  v.picklist(["1", "0", "true", "false", "yes", "no"], "must be 1 or 0 (true/false, yes/no)"),
  v.transform((s) => s === "1" || s === "true" || s === "yes"),
);

const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** A duration such as `30s`, `15m`, `7d` (a bare number is seconds), as milliseconds. */
const duration = v.pipe(
  v.string(),
  v.trim(),
  v.regex(/^\d+(ms|s|m|h|d)?$/, "must be a duration such as 30s, 15m, 12h or 7d"),
  v.transform((s) => {
    const [, n, unit] = /^(\d+)(ms|s|m|h|d)?$/.exec(s)!;
    return Number(n) * DURATION_UNITS[(unit ?? "s") as keyof typeof DURATION_UNITS];
  }),
);

/**
 * A bearer token as RFC 6750 §2.1 lets a client send it (b64token), long enough not to be guessed.
 * `openssl rand -hex 32` makes one.
 */
const token = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9._~+/-]+=*$/, "must be a bearer token: letters, digits and -._~+/ (e.g. from `openssl rand -hex 32`)"),
  v.minLength(16, "must be at least 16 characters (e.g. from `openssl rand -hex 32`)"),
  v.maxLength(4096),
);

export interface Setting {
  env: string;
  flag: string;
  help: string;
  default: string | undefined;
  /** How the default reads in --help and the README when it depends on the machine. */
  defaultDoc?: string;
  /** A secret: also read from the file named by `<env>_FILE` / `<flag>-file`, so it can be mounted. */
  secret?: true;
  schema: v.GenericSchema<string, unknown>;
}

/** The settings table: drives parsing, `--help` and the README's configuration table. */
export const SETTINGS = {
  port: { env: "PORT", flag: "--port", help: "HTTP port (0 picks a free one)", default: "8080", schema: int(0, 65535) },
  host: {
    env: "HOST",
    flag: "--host",
    help: "address to listen on; without an API token only a loopback address is allowed (see HOTFN_INSECURE)",
    default: "127.0.0.1",
    defaultDoc: "`0.0.0.0` with an API token, else `127.0.0.1`",
    schema: v.pipe(v.string(), v.minLength(1)),
  },
  apiToken: {
    env: "HOTFN_API_TOKEN",
    flag: "--api-token",
    help: "bearer token required for /v1 and /metrics (at least 16 characters)",
    default: undefined,
    secret: true,
    schema: token,
  },
  workerToken: {
    env: "HOTFN_WORKER_TOKEN",
    flag: "--worker-token",
    help: "bearer token of the /tasks worker door (default: the API token; no token, no door)",
    default: undefined,
    secret: true,
    schema: token,
  },
  invokeToken: {
    env: "HOTFN_INVOKE_TOKEN",
    flag: "--invoke-token",
    help: "bearer token required to call functions at /r (default: /r is public); removed before the function sees the request",
    default: undefined,
    secret: true,
    schema: token,
  },
  insecure: {
    env: "HOTFN_INSECURE",
    flag: "--insecure",
    help: "1 lets hotfn listen on a non-loopback address without an API token (a warning is logged at every start)",
    default: "0",
    schema: bool,
  },
  dbUrl: {
    env: "DB_URL",
    flag: "--db-url",
    help: "the database: a libSQL file:PATH, :memory:, libsql:// or http(s):// for a remote libSQL server, or postgres:// for PostgreSQL (several nodes)",
    default: "file:./data/hotfn.db",
    schema: v.pipe(
      v.string(),
      v.regex(/^(file:.+|:memory:|libsql:\/\/.+|https?:\/\/.+|wss?:\/\/.+|postgres(ql)?:\/\/.+)$/, "must be file:PATH, :memory:, libsql://, http(s)://, ws(s):// or postgres://"),
    ),
  },
  dbAuthToken: { env: "DB_AUTH_TOKEN", flag: "--db-auth-token", help: "auth token for a remote libSQL server", default: undefined, secret: true, schema: v.string() },
  logLevel: { env: "LOG_LEVEL", flag: "--log-level", help: "debug, info, warn, error or silent", default: "info", schema: v.picklist(["debug", "info", "warn", "error", "silent"]) },
  dockerHost: { env: "DOCKER_HOST", flag: "--docker-host", help: "Docker engine: unix:///path or tcp://host:port", default: "unix:///var/run/docker.sock", schema: v.pipe(v.string(), v.regex(/^(unix|tcp|http):\/\/.+$/, "must be unix://, tcp:// or http://")) },
  nodeId: {
    env: "HOTFN_NODE",
    flag: "--node",
    help: "this node's name, one live process each on a database; containers are labelled with it and a restart removes the node's leftovers",
    default: hostname() || "hotfn",
    defaultDoc: "the host name",
    // It also names a host directory (http-stream sockets): no leading dot, so never . or ..
    schema: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,62}$/, "must be 1-63 characters of A-Z a-z 0-9 _ . -, not starting with a dot")),
  },
  nodeTimeoutMs: {
    env: "HOTFN_NODE_TIMEOUT",
    flag: "--node-timeout",
    help: "ms without a heartbeat after which a node counts as dead: its async calls go back to the queue and a new process may take its name (heartbeats every fifth of it)",
    default: "5000",
    schema: int(500, 3_600_000),
  },
  pull: {
    env: "HOTFN_PULL",
    flag: "--pull",
    help: "when to pull a function's image: missing (once, when absent), never, or always (before every container start)",
    default: "missing",
    schema: v.picklist(["missing", "never", "always"], "must be missing, never or always"),
  },
  allowedImages: {
    env: "HOTFN_ALLOWED_IMAGES",
    flag: "--allowed-images",
    help: "comma-separated image patterns routes may use (* matches within a path segment, ** across); unset: any image",
    default: undefined,
    schema: v.pipe(
      v.string(),
      v.transform((s) => s.split(",").map((p) => p.trim()).filter((p) => p !== "")),
      v.minLength(1, "must list at least one pattern"),
      v.check((ps) => ps.every((p) => /^[A-Za-z0-9._\/:@*-]+$/.test(p)), "patterns hold image reference characters and *"),
    ),
  },
  cpusPerGb: {
    env: "HOTFN_CPUS_PER_GB",
    flag: "--cpus-per-gb",
    help: "hard CPU cap per GiB of a route's memory (e.g. 1: a 512 MiB function gets at most half a CPU); unset: CPU shares only",
    default: undefined,
    schema: v.pipe(v.string(), v.trim(), v.regex(/^\d+(\.\d+)?$/, "must be a number such as 0.5 or 2"), v.transform(Number), v.minValue(0.01), v.maxValue(1024)),
  },
  maxApiBody: { env: "HOTFN_MAX_API_BODY", flag: "--max-api-body", help: "largest /v1 request body, bytes", default: String(1 * MiB), schema: int(1024) },
  maxRequestBody: { env: "HOTFN_MAX_REQUEST_BODY", flag: "--max-request-body", help: "largest function call body, bytes (413 past it)", default: String(6 * MiB), schema: int(1) },
  maxResponseBody: { env: "HOTFN_MAX_RESPONSE_BODY", flag: "--max-response-body", help: "largest function answer, bytes (502 past it)", default: String(6 * MiB), schema: int(1) },
  maxMemoryMiB: { env: "HOTFN_MAX_MEMORY", flag: "--max-memory", help: "MiB that running containers may reserve in all", default: String(Math.max(256, MACHINE_MEMORY_MIB - MEMORY_MARGIN_MIB)), defaultDoc: `machine memory - ${MEMORY_MARGIN_MIB} MiB (at least 256)`, schema: int(1) },
  memoryWaitMs: { env: "HOTFN_MEMORY_WAIT", flag: "--memory-wait", help: "ms a call waits for memory before a 503", default: "10000", schema: int(0) },
  netnsSpare: {
    env: "HOTFN_NETNS_SPARE",
    flag: "--netns-spare",
    help: "network namespace holders kept ready, so a container start need not make a namespace (x86-64; 0: off)",
    default: "4",
    schema: int(0, 256),
  },
  maxConcurrentStarts: {
    env: "HOTFN_MAX_CONCURRENT_STARTS",
    flag: "--max-concurrent-starts",
    help: "container starts in flight at once, across all functions (each function gets a fair share while others wait)",
    // A start is CPU work (runc, the shim, the function's own boot): past one per core, starts only
    // slow each other, and the first container of a burst comes later (bench/README.md, Issue 10).
    default: String(Math.min(MAX_DEFAULT_STARTS, availableParallelism())),
    defaultDoc: `the machine's cores, at most ${MAX_DEFAULT_STARTS} (the CPUs hotfn may run on; a CPU quota is not seen)`,
    schema: int(1, 1000),
  },
  readyTimeoutMs: { env: "HOTFN_READY_TIMEOUT", flag: "--ready-timeout", help: "ms a started http-stream container may take to open its socket before it is removed (504)", default: "10000", schema: int(100) },
  maxQueueWaitMs: { env: "HOTFN_MAX_QUEUE_WAIT", flag: "--max-queue-wait", help: "ms a call may queue for a hot container before one is launched", default: "1000", schema: int(0) },
  scaling: { env: "HOTFN_SCALING", flag: "--scaling", help: "adaptive, or naive (as the original server: a new container whenever none is idle, no bound on starts in flight)", default: "adaptive", schema: v.picklist(["adaptive", "naive"]) },
  callLogMax: { env: "HOTFN_CALL_LOG_MAX", flag: "--call-log-max", help: "bytes of stderr kept per call", default: String(1 * MiB), schema: int(0) },
  callRetentionMs: {
    env: "HOTFN_CALL_RETENTION",
    flag: "--call-retention",
    help: "how long finished calls (record, log, output) are kept, e.g. 12h or 7d; 0 keeps them forever",
    default: "7d",
    schema: duration,
  },
  asyncWorkers: { env: "HOTFN_ASYNC_WORKERS", flag: "--async-workers", help: "most async calls this node runs at once; fewer while the runner refuses them (0: API-only node)", default: "64", schema: int(0, 1000) },
  maxQueued: { env: "HOTFN_MAX_QUEUED", flag: "--max-queued", help: "queued async calls before 503", default: "100000", schema: int(1) },
  maxQueuedBytes: { env: "HOTFN_MAX_QUEUED_BYTES", flag: "--max-queued-bytes", help: "bytes of queued async call bodies before 503", default: String(256 * MiB), schema: int(1) },
  asyncLeaseMs: { env: "HOTFN_ASYNC_LEASE", flag: "--async-lease", help: "ms an async claim lasts before it returns to the queue unless renewed", default: "30000", schema: int(1000) },
  asyncMaxAttempts: { env: "HOTFN_ASYNC_MAX_ATTEMPTS", flag: "--async-max-attempts", help: "times an async call is tried before it ends as an error", default: "3", schema: int(1, 100) },
  connIdleTimeoutS: { env: "HOTFN_CONN_IDLE_TIMEOUT", flag: "--conn-idle-timeout", help: "seconds an HTTP connection may sit idle, outside a function call", default: "60", schema: int(1, 255) },
  shutdownGraceMs: { env: "HOTFN_SHUTDOWN_GRACE", flag: "--shutdown-grace", help: "ms in-flight work gets on SIGTERM", default: "30000", schema: int(0) },
  debugHeap: {
    env: "HOTFN_DEBUG_HEAP",
    flag: "--debug-heap",
    help: "1 serves POST /v1/debug/heap: a full garbage collection, then the heap's size and object counts (for memory tests; each call stalls the server)",
    default: "0",
    schema: v.pipe(v.picklist(["0", "1"]), v.transform((s) => s === "1")),
  },
} satisfies Record<string, Setting>;

type Settings = typeof SETTINGS;

/** Every flag the server takes: each setting's, and a secret's `-file` twin. */
export const SERVER_FLAGS: readonly string[] = Object.values(SETTINGS as Record<string, Setting>).flatMap((s) => (s.secret ? [s.flag, `${s.flag}-file`] : [s.flag]));
export type Config = Readonly<{ [K in keyof Settings]: v.InferOutput<Settings[K]["schema"]> | (Settings[K]["default"] extends string ? never : undefined) }>;

export type ConfigResult =
  | { kind: "config"; config: Config }
  | { kind: "help"; text: string }
  | { kind: "version"; text: string }
  | { kind: "errors"; errors: string[] };

/** Reads a secret's file; the default reader, replaced in tests. */
export type FileReader = (path: string) => string;

/** Loopback addresses: reachable from this machine only. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Reads flags (`--port 8080` or `--port=8080`, which win) and the environment into a frozen Config.
 * A secret setting may instead name a file (`HOTFN_API_TOKEN_FILE`, `--api-token-file`) whose content,
 * trailing newline removed, is the value. Never exits: the caller decides what to do with help,
 * version or errors (every bad field is listed; a secret's value never is).
 */
export function loadConfig(
  argv: readonly string[] = runtime.args,
  env: Readonly<Record<string, string | undefined>> = runtime.env,
  readFile: FileReader = (path) => readFileSync(path, "utf8"),
): ConfigResult {
  const settings = Object.entries(SETTINGS) as [keyof Settings, Setting][];
  const known = new Set(SERVER_FLAGS);
  const flags = new Map<string, string>();
  const errors: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return { kind: "help", text: helpText() };
    if (arg === "--version" || arg === "-v") return { kind: "version", text: `hotfn ${VERSION}` };
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!known.has(name)) {
      errors.push(`unknown argument ${arg} (see --help)`);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) errors.push(`${name} needs a value`);
    else flags.set(name, value);
  }

  const out: Record<string, unknown> = {};
  const given = new Set<keyof Settings>();
  for (const [key, s] of settings) {
    const raw = s.secret ? secretValue(s, flags, env, readFile, errors) : (flags.get(s.flag) ?? nonEmpty(env[s.env]));
    if (raw !== undefined) given.add(key);
    const value = raw ?? s.default;
    if (value === undefined) continue;
    const parsed = v.safeParse(s.schema, value);
    if (parsed.success) out[key] = parsed.output;
    else errors.push(`${s.env} (${s.flag}) = ${s.secret ? "(hidden)" : JSON.stringify(value)}: ${parsed.issues.map((i) => i.message).join("; ")}`);
  }
  // With an API token the API is guarded, so hotfn may listen on every interface, as servers do.
  if (!given.has("host") && out.apiToken !== undefined) out.host = "0.0.0.0";
  const host = out.host as string | undefined;
  if (host !== undefined && !isLoopback(host) && out.apiToken === undefined && out.insecure !== true) {
    errors.push(
      `HOST (--host) = ${JSON.stringify(host)} is not a loopback address and no API token is set: anyone who reaches it could run any image. ` +
        "Set HOTFN_API_TOKEN (or HOTFN_API_TOKEN_FILE), e.g. HOTFN_API_TOKEN=$(openssl rand -hex 32), or HOTFN_INSECURE=1 to serve without one",
    );
  }
  if (errors.length > 0) return { kind: "errors", errors };
  return { kind: "config", config: Object.freeze(out) as Config };
}

/** A secret from its flag, its `-file` flag, its env var or its `_FILE` env var: one of them at most. */
function secretValue(s: Setting, flags: Map<string, string>, env: Record<string, string | undefined>, readFile: FileReader, errors: string[]): string | undefined {
  const sources = [
    { name: s.flag, value: flags.get(s.flag), file: false },
    { name: `${s.flag}-file`, value: flags.get(`${s.flag}-file`), file: true },
    { name: s.env, value: nonEmpty(env[s.env]), file: false },
    { name: `${s.env}_FILE`, value: nonEmpty(env[`${s.env}_FILE`]), file: true },
  ].filter((x) => x.value !== undefined);
  // Flags win over the environment, as for every setting; two sources of one kind are a mistake.
  const flagSources = sources.filter((x) => x.name.startsWith("--"));
  const chosen = flagSources.length > 0 ? flagSources : sources;
  if (chosen.length > 1) {
    errors.push(`${chosen.map((x) => x.name).join(" and ")} are both set: give ${s.env} one way only`);
    return undefined;
  }
  const source = chosen[0];
  if (source === undefined) return undefined;
  if (!source.file) return source.value;
  try {
    const text = readFile(source.value!).replace(/\r?\n$/, "");
    if (text === "") errors.push(`${source.name} = ${JSON.stringify(source.value)}: the file is empty`);
    return text === "" ? undefined : text;
  } catch (err) {
    errors.push(`${source.name} = ${JSON.stringify(source.value)}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    return undefined;
  }
}

/** A complete Config from defaults plus overrides, for tests and tools that build one in code. */
export function configWith(overrides: Partial<Config> = {}): Config {
  const result = loadConfig([], {});
  if (result.kind !== "config") throw new Error(`defaults do not parse: ${JSON.stringify(result)}`);
  return Object.freeze({ ...result.config, ...overrides });
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === "" ? undefined : s;
}

function helpText(): string {
  const rows = Object.values(SETTINGS as Record<string, Setting>).flatMap((s) => {
    const row = `  ${`${s.flag} / ${s.env}`.padEnd(52)} ${s.help}${s.default === undefined ? "" : ` (default ${s.defaultDoc?.replaceAll("`", "") ?? s.default})`}`;
    return s.secret ? [row, `  ${`${s.flag}-file / ${s.env}_FILE`.padEnd(52)} a file holding ${s.env}`] : [row];
  });
  return [
    `hotfn ${VERSION}: a serverless platform speaking the Fn v1 API, with self-scaling hot containers.`,
    "",
    "Usage: hotfn [flags]   (every flag can also be given as its environment variable)",
    "",
    ...rows,
    "  --help, --version",
  ].join("\n");
}

/** What the CLI (`hotfn apps|routes|call|build|deploy ...`) takes from the environment. */
export interface ClientConfig {
  /** the hotfn server: HOTFN_API_URL, else FN_API_URL, else http://localhost:8080 */
  apiUrl: string;
  /** sent as `Authorization: Bearer`: HOTFN_TOKEN, else FN_TOKEN */
  token: string | undefined;
  /** the Docker engine `hotfn build` uses: DOCKER_HOST, as the server reads it */
  dockerHost: string;
  /** prefix of the images `hotfn build` tags (REGISTRY/NAME:VERSION): HOTFN_REGISTRY, else FN_REGISTRY; nothing is pushed */
  registry: string | undefined;
}

/** The CLI's settings, read once; Fn's FN_* names work too, so a shell set up for Fn's CLI works unchanged. */
export function loadClientConfig(env: Readonly<Record<string, string | undefined>> = runtime.env): ClientConfig {
  return Object.freeze({
    apiUrl: nonEmpty(env.HOTFN_API_URL) ?? nonEmpty(env.FN_API_URL) ?? "http://localhost:8080",
    token: nonEmpty(env.HOTFN_TOKEN) ?? nonEmpty(env.FN_TOKEN),
    dockerHost: nonEmpty(env.DOCKER_HOST) ?? SETTINGS.dockerHost.default,
    registry: nonEmpty(env.HOTFN_REGISTRY) ?? nonEmpty(env.FN_REGISTRY),
  });
}
