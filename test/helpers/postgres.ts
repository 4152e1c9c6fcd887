/**
 * A throw-away PostgreSQL server for a test file: Debian's postgresql, started by `deploy/cluster.sh
 * pg-up` in a temp dir on a free loopback port, a fresh database per `database()`, stopped (by PID)
 * and removed by `stop()`. Without a PostgreSQL server on the machine the suites that need one are
 * skipped, except in CI (CI=true), where that is a failure.
 */
import { SQL } from "bun";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "../..");
const CLUSTER = join(ROOT, "deploy/cluster.sh");

/** Is a PostgreSQL server installed here? In CI it must be: .ci/run installs it. */
export function hasPostgres(): boolean {
  const found = existsSync("/usr/lib/postgresql") && readdirSync("/usr/lib/postgresql").some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));
  if (!found && process.env.CI === "true") throw new Error("CI has no PostgreSQL server: .ci/run installs postgresql");
  return found;
}

/** Is nginx installed here? In CI it must be: .ci/run installs it. */
export function hasNginx(): boolean {
  const found = existsSync("/usr/sbin/nginx");
  if (!found && process.env.CI === "true") throw new Error("CI has no nginx: .ci/run installs nginx");
  return found;
}

export interface TestPostgres {
  /** the cluster's own database, for administration */
  adminUrl: string;
  /** Creates an empty database and returns its URL. */
  database(): Promise<string>;
  stop(): Promise<void>;
}

/** Parses DIR/cluster.env (KEY=value lines) as deploy/cluster.sh writes it. */
export function readClusterEnv(dir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(dir, "cluster.env"), "utf8").split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

/** Runs deploy/cluster.sh with `env` added to this process's; rejects with its output when it fails. */
export async function cluster(args: string[], env: Record<string, string | undefined> = {}): Promise<string> {
  const proc = Bun.spawn(["bash", CLUSTER, ...args], { cwd: ROOT, stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`deploy/cluster.sh ${args.join(" ")} failed (${code}):\n${out}${err}`);
  return out + err;
}

export async function startPostgres(): Promise<TestPostgres> {
  const dir = mkdtempSync(join(tmpdir(), "hotfn-pg-"));
  try {
    await cluster(["pg-up", dir]);
  } catch (err) {
    await cluster(["down", dir]).catch(() => "");
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const env = readClusterEnv(dir);
  const adminUrl = `postgres://postgres@127.0.0.1:${env.PG_PORT}/postgres`;
  const admin = new SQL(adminUrl, { max: 1 });
  let n = 0;
  return {
    adminUrl,
    async database() {
      const name = `t${process.pid}_${++n}`;
      await admin.unsafe(`CREATE DATABASE ${name}`);
      return `postgres://postgres@127.0.0.1:${env.PG_PORT}/${name}`;
    },
    async stop() {
      await admin.close();
      await cluster(["down", dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One server for the whole test file, started on first use; `stop` it in afterAll. */
export function lazyPostgres() {
  let started: Promise<TestPostgres> | undefined;
  return {
    get: () => (started ??= startPostgres()),
    async stop() {
      if (started) await (await started).stop();
    },
  };
}
