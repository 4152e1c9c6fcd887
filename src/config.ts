/**
 * hotfn's configuration: every setting, its env var, its flag and its default, parsed once at start
 * into a frozen typed object. The only module that reads the environment.
 * @module
 */
import { hostname, totalmem } from "node:os";
import * as v from "valibot";
import pkg from "../package.json" with { type: "json" };

export const VERSION: string = pkg.version;

const MiB = 1024 * 1024;
/** Memory kept back for the OS, Docker and hotfn itself when HOTFN_MAX_MEMORY is not set. */
const MEMORY_MARGIN_MIB = 1024;
export const MACHINE_MEMORY_MIB = Math.floor(totalmem() / MiB);

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  v.pipe(v.string(), v.trim(), v.regex(/^\d+$/, "must be a whole number"), v.transform(Number), v.minValue(min), v.maxValue(max));

export interface Setting {
  env: string;
  flag: string;
  help: string;
  default: string | undefined;
  /** How the default reads in --help and the README when it depends on the machine. */
  defaultDoc?: string;
  schema: v.GenericSchema<string, unknown>;
}

/** The settings table: drives parsing, `--help` and the README's configuration table. */
export const SETTINGS = {
  port: { env: "PORT", flag: "--port", help: "HTTP port (0 picks a free one)", default: "8080", schema: int(0, 65535) },
  host: { env: "HOST", flag: "--host", help: "address to listen on", default: "0.0.0.0", schema: v.pipe(v.string(), v.minLength(1)) },
  dbUrl: {
    env: "DB_URL",
    flag: "--db-url",
    help: "libSQL database: file:PATH, :memory:, libsql:// or http(s):// for a remote server",
    default: "file:./data/hotfn.db",
    schema: v.pipe(v.string(), v.regex(/^(file:.+|:memory:|libsql:\/\/.+|https?:\/\/.+|wss?:\/\/.+)$/, "must be file:PATH, :memory:, libsql://, http(s):// or ws(s)://")),
  },
  dbAuthToken: { env: "DB_AUTH_TOKEN", flag: "--db-auth-token", help: "auth token for a remote libSQL server", default: undefined, schema: v.string() },
  logLevel: { env: "LOG_LEVEL", flag: "--log-level", help: "debug, info, warn, error or silent", default: "info", schema: v.picklist(["debug", "info", "warn", "error", "silent"]) },
  dockerHost: { env: "DOCKER_HOST", flag: "--docker-host", help: "Docker engine: unix:///path or tcp://host:port", default: "unix:///var/run/docker.sock", schema: v.pipe(v.string(), v.regex(/^(unix|tcp|http):\/\/.+$/, "must be unix://, tcp:// or http://")) },
  nodeId: {
    env: "HOTFN_NODE",
    flag: "--node",
    help: "this node's name; containers are labelled with it and a restart removes the node's leftovers",
    default: hostname() || "hotfn",
    defaultDoc: "the host name",
    // It also names a host directory (http-stream sockets): no leading dot, so never . or ..
    schema: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,62}$/, "must be 1-63 characters of A-Z a-z 0-9 _ . -, not starting with a dot")),
  },
  maxApiBody: { env: "HOTFN_MAX_API_BODY", flag: "--max-api-body", help: "largest /v1 request body, bytes", default: String(1 * MiB), schema: int(1024) },
  maxRequestBody: { env: "HOTFN_MAX_REQUEST_BODY", flag: "--max-request-body", help: "largest function call body, bytes (413 past it)", default: String(6 * MiB), schema: int(1) },
  maxResponseBody: { env: "HOTFN_MAX_RESPONSE_BODY", flag: "--max-response-body", help: "largest function answer, bytes (502 past it)", default: String(6 * MiB), schema: int(1) },
  maxMemoryMiB: { env: "HOTFN_MAX_MEMORY", flag: "--max-memory", help: "MiB that running containers may reserve in all", default: String(Math.max(256, MACHINE_MEMORY_MIB - MEMORY_MARGIN_MIB)), defaultDoc: `machine memory - ${MEMORY_MARGIN_MIB} MiB (at least 256)`, schema: int(1) },
  memoryWaitMs: { env: "HOTFN_MEMORY_WAIT", flag: "--memory-wait", help: "ms a call waits for memory before a 503", default: "10000", schema: int(0) },
  maxConcurrentStarts: { env: "HOTFN_MAX_CONCURRENT_STARTS", flag: "--max-concurrent-starts", help: "container starts in flight at once, across all functions", default: "4", schema: int(1, 1000) },
  maxQueueWaitMs: { env: "HOTFN_MAX_QUEUE_WAIT", flag: "--max-queue-wait", help: "ms a call may queue for a hot container before one is launched", default: "1000", schema: int(0) },
  scaling: { env: "HOTFN_SCALING", flag: "--scaling", help: "adaptive, or naive (as the original server: a new container whenever none is idle, no bound on starts in flight)", default: "adaptive", schema: v.picklist(["adaptive", "naive"]) },
  callLogMax: { env: "HOTFN_CALL_LOG_MAX", flag: "--call-log-max", help: "bytes of stderr kept per call", default: String(1 * MiB), schema: int(0) },
  asyncWorkers: { env: "HOTFN_ASYNC_WORKERS", flag: "--async-workers", help: "in-process async workers (0: API-only node)", default: "4", schema: int(0, 1000) },
  maxQueued: { env: "HOTFN_MAX_QUEUED", flag: "--max-queued", help: "queued async calls before 503", default: "100000", schema: int(1) },
  asyncLeaseMs: { env: "HOTFN_ASYNC_LEASE", flag: "--async-lease", help: "ms an async claim lasts before it returns to the queue unless renewed", default: "30000", schema: int(1000) },
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
export type Config = Readonly<{ [K in keyof Settings]: v.InferOutput<Settings[K]["schema"]> | (Settings[K]["default"] extends string ? never : undefined) }>;

export type ConfigResult =
  | { kind: "config"; config: Config }
  | { kind: "help"; text: string }
  | { kind: "version"; text: string }
  | { kind: "errors"; errors: string[] };

/**
 * Reads flags (`--port 8080` or `--port=8080`, which win) and the environment into a frozen Config.
 * Never exits: the caller decides what to do with help, version or errors (every bad field is listed).
 */
export function loadConfig(argv: string[] = Bun.argv.slice(2), env: Record<string, string | undefined> = Bun.env): ConfigResult {
  const flags = new Map<string, string>();
  const errors: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return { kind: "help", text: helpText() };
    if (arg === "--version" || arg === "-v") return { kind: "version", text: `hotfn ${VERSION}` };
    const eq = arg.indexOf("=");
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!Object.values(SETTINGS).some((s) => s.flag === name)) {
      errors.push(`unknown argument ${arg} (see --help)`);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) errors.push(`${name} needs a value`);
    else flags.set(name, value);
  }

  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(SETTINGS) as [string, Setting][]) {
    const raw = flags.get(s.flag) ?? nonEmpty(env[s.env]) ?? s.default;
    if (raw === undefined) continue;
    const parsed = v.safeParse(s.schema, raw);
    if (parsed.success) out[key] = parsed.output;
    else errors.push(`${s.env} (${s.flag}) = ${JSON.stringify(raw)}: ${parsed.issues.map((i) => i.message).join("; ")}`);
  }
  if (errors.length > 0) return { kind: "errors", errors };
  return { kind: "config", config: Object.freeze(out) as Config };
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
  const rows = Object.values(SETTINGS as Record<string, Setting>).map(
    (s) => `  ${`${s.flag} / ${s.env}`.padEnd(52)} ${s.help}${s.default === undefined ? "" : ` (default ${s.default})`}`,
  );
  return [
    `hotfn ${VERSION}: a serverless platform speaking the Fn v1 API, with self-scaling hot containers.`,
    "",
    "Usage: hotfn [flags]   (every flag can also be given as its environment variable)",
    "",
    ...rows,
    "  --help, --version",
  ].join("\n");
}
