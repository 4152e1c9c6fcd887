/**
 * hotfn's Docker engine: the `Engine` interface the runner uses, and its implementation over dockerode
 * — the only module that imports dockerode. Every container it creates is labelled (hotfn, node,
 * instance) and locked down: no network, no capabilities, no new privileges, an unprivileged user, a
 * read-only root filesystem with a small tmpfs at /tmp, memory, CPU, pid and open-file limits, and
 * no logging driver.
 * @module
 */
import Docker from "dockerode";
import type { Logger } from "../log.ts";
import { type ContainerIO, wrapAttachStream } from "./attach.ts";
import type { DemuxSinks } from "./demux.ts";
import { engineMessage, engineStatus, HolderGone, isNotFound, toEngineError } from "./errors.ts";
import { createHolders } from "./holders.ts";
import { createImageResolver, type ImageFacts, type PullPolicy } from "./images.ts";
import { LABEL } from "./labels.ts";
import { processMark, runningMarks } from "./owner.ts";
import { createRemovalRetry } from "./removals.ts";

export type { ContainerIO };

/** What to run. The engine adds its own labels and the security settings; callers cannot loosen them. */
export interface ContainerSpec {
  image: string;
  env: Record<string, string>;
  /** extra labels (app, route, call, format); hotfn, node and instance are added by the engine */
  labels: Record<string, string>;
  /** hard memory limit, MiB; swap is not allowed. Also sets the CPU share, the CPU cap and the /tmp size */
  memoryMiB: number;
  /** the route's `user`: "" runs as the image's non-root USER or else nobody; "root" or "0" as root */
  user: string;
  /** host directories mounted read-write into the container */
  binds?: { host: string; container: string }[];
}

export interface ExitState {
  exitCode: number;
  /** the kernel's OOM killer ended it (State.OOMKilled) */
  oomKilled: boolean;
}

export interface ContainerSummary {
  id: string;
  labels: Record<string, string>;
  /** Docker's state word: created, running, exited, … */
  state: string;
}

/**
 * The container operations the runner needs. Errors: an engine that does not answer → Unavailable;
 * a missing image that cannot be pulled → FunctionFailed; operations on a container that is already
 * gone are no-ops where the contract says idempotent.
 */
export interface Engine {
  /** Resolves when the engine answers; rejects with Unavailable otherwise. */
  ping(): Promise<void>;
  /**
   * Creates (does not start) a container, after making its image present as the pull policy says
   * (concurrent pulls of one image shared). FunctionFailed when the image is missing or cannot be pulled.
   * `freshNamespace` skips the namespace holders (a retry after HolderGone).
   */
  create(spec: ContainerSpec, options?: { freshNamespace?: boolean }): Promise<string>;
  /** Attaches stdin/stdout/stderr; `sinks` receive the output, split by stream. */
  attach(id: string, sinks: DemuxSinks): Promise<ContainerIO>;
  /** HolderGone when the namespace holder the container joined is gone: create it again, fresh. */
  start(id: string): Promise<void>;
  /** Resolves when the container has exited (or is gone: exit code -1), with its exit code and OOM state. */
  wait(id: string): Promise<ExitState>;
  /** SIGKILL; a container that already stopped or is gone is fine. Never rejects. */
  kill(id: string): Promise<void>;
  /**
   * Force-removes the container and its anonymous volumes; gone already is fine. Never rejects:
   * when the engine does not answer, the removal is tried again in the background until it does.
   */
  remove(id: string): Promise<void>;
  /**
   * Start-up reconcile: removes the containers of `nodeId` that other instances left, and returns
   * how many; `running` names the other instances whose process still runs on this machine (a
   * second hotfn with a database of its own), whose containers are left alone.
   */
  removeLeftovers(nodeId: string, instanceId: string): Promise<{ removed: number; running: string[] }>;
  /**
   * Shutdown: removes every container of `instanceId` and returns how many, looking again until none
   * is listed (a start that was in flight may create one after the first look, and a removal Docker
   * already had in progress finishes) or `withinMs` passes.
   */
  removeAllOf(instanceId: string, withinMs?: number): Promise<number>;
  /** Starts keeping namespace holders ready, when configured (after the start-up reconcile). */
  warmUp(): void;
  /** How many namespace holders are free and in use (0 and 0 when holders are off). */
  holderStats(): { free: number; inUse: number };
  /**
   * Stops making holders and retrying failed removals; resolves once a holder start in flight has
   * settled. removeAllOf afterwards takes every container left, holders included.
   */
  close(): Promise<void>;
}

/**
 * The slice of dockerode hotfn uses — the vendor seam. Nothing outside this folder sees these types;
 * a fake for unit tests implements just this.
 */
export interface DockerApi {
  ping(): Promise<unknown>;
  createContainer(options: Docker.ContainerCreateOptions): Promise<{ id: string }>;
  getContainer(id: string): {
    start(): Promise<unknown>;
    attach(options: { stream: true; stdin: true; stdout: true; stderr: true; hijack: true }): Promise<NodeJS.ReadWriteStream>;
    wait(): Promise<{ StatusCode?: number }>;
    kill(options?: object): Promise<unknown>;
    remove(options: { force: boolean; v: boolean }): Promise<unknown>;
    inspect(): Promise<{ State?: { OOMKilled?: boolean; ExitCode?: number } }>;
  };
  listContainers(options: { all: boolean; filters: string }): Promise<{ Id: string; Labels?: Record<string, string>; State?: string }[]>;
  getImage(name: string): { inspect(): Promise<{ Config?: { User?: string } | null }> };
  pull(image: string): Promise<NodeJS.ReadableStream>;
  importImage(tar: NodeJS.ReadableStream, options: { repo: string; tag: string }): Promise<NodeJS.ReadableStream>;
  modem: { followProgress(stream: NodeJS.ReadableStream, done: (err: Error | null, out: unknown[]) => void): void };
}

export interface EngineOptions {
  /** `unix:///var/run/docker.sock`, `tcp://host:port` or `http://host:port` (config.dockerHost) */
  dockerHost: string;
  /** stamped on every container as hotfn.node */
  nodeId: string;
  /** stamped on every container as hotfn.instance: this process's lifetime */
  instanceId: string;
  log: Logger;
  /** when to pull an image (HOTFN_PULL; default missing) */
  pull?: PullPolicy;
  /** hard CPU cap per GiB of a container's memory (HOTFN_CPUS_PER_GB); none when undefined */
  cpusPerGb?: number | undefined;
  /** most processes one container may run (default 256) */
  pidsLimit?: number;
  /** most files one container's process may hold open (default 1024) */
  nofile?: number;
  /** network namespace holders to keep ready (HOTFN_NETNS_SPARE; default 0: a namespace per start) */
  netnsSpare?: number;
  /** for tests: a fake or instrumented Docker API instead of dockerode */
  api?: DockerApi;
  /** for tests: the mark stamped as hotfn.owner instead of this process's (owner.ts) */
  owner?: string;
}

/**
 * Docker's answer when the namespace a container joins is not there: the holder is missing (404, "No
 * such container") or stopped (409, "cannot join network of a non running container").
 */
const holderAtFault = (err: unknown): boolean => {
  const status = engineStatus(err);
  return (status === 404 || status === 409) && /no such container|non running container|join network/i.test(engineMessage(err));
};

/** Builds the Engine over dockerode (or `options.api`). Does not contact the engine until first use. */
export function createEngine(options: EngineOptions): Engine {
  const { dockerHost, nodeId, instanceId, log } = options;
  const owner = options.owner ?? processMark();
  /** the labels that say whose a container is, on every container hotfn makes */
  const ours: Record<string, string> = {
    [LABEL.hotfn]: "1",
    [LABEL.node]: nodeId,
    [LABEL.instance]: instanceId,
    ...(owner === undefined ? {} : { [LABEL.owner]: owner }),
  };
  const api: DockerApi = options.api ?? new Docker(dockerOptions(dockerHost));
  const pidsLimit = options.pidsLimit ?? 256;
  const nofile = options.nofile ?? 1024;
  const fail = (what: string) => (err: unknown): never => {
    throw toEngineError(err, what, dockerHost);
  };

  /** creates and starts of function containers in flight: holders are made only in a lull */
  let starting = 0;
  const holders = createHolders({
    api,
    labels: ours,
    spare: options.netnsSpare ?? 0,
    log,
    engineBusy: () => starting > 0,
  });
  /** function container → the holder whose namespace it joined */
  const holderOf = new Map<string, string>();

  const resolveImage = createImageResolver({
    inspect: async (image) => ({ user: (await api.getImage(image).inspect()).Config?.User ?? "" }),
    pull: async (image) => {
      const stream = await api.pull(image);
      await new Promise<void>((resolve, reject) => {
        api.modem.followProgress(stream, (err, out) => {
          // Registry errors arrive as progress lines with an `error` field, not as a failed request.
          const line = out.find((o): o is { error: string } => typeof (o as { error?: unknown })?.error === "string");
          if (err || line) reject(err ?? new Error(line!.error));
          else resolve();
        });
      });
    },
  }, options.pull ?? "missing");

  const createOptions = (spec: ContainerSpec, image: ImageFacts, networkMode: string): Docker.ContainerCreateOptions => ({
    Image: spec.image,
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    // Unset keeps the image's own USER, which runAs only allows when it is not root.
    ...runAs(spec.user, image.user),
    Labels: { ...spec.labels, ...ours },
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: true,
    // stdin closes when the attach stream does, so a container whose runner went away sees EOF.
    StdinOnce: true,
    Tty: false,
    HostConfig: {
      // none, or a holder's namespace that has nothing but a loopback interface (holders.ts)
      NetworkMode: networkMode,
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges"],
      PidsLimit: pidsLimit,
      Memory: spec.memoryMiB * 1024 * 1024,
      MemorySwap: spec.memoryMiB * 1024 * 1024,
      // CPU in proportion to memory, as serverless platforms bill it: 1 GiB weighs what Docker's
      // default container does (1024 shares); a hard cap only when the operator sets one.
      CpuShares: Math.max(2, spec.memoryMiB),
      ...(options.cpusPerGb === undefined ? {} : { NanoCpus: Math.max(1e7, Math.round((spec.memoryMiB / 1024) * options.cpusPerGb * 1e9)) }),
      Ulimits: [{ Name: "nofile", Soft: nofile, Hard: nofile }],
      ReadonlyRootfs: true,
      // The one writable place. tmpfs pages count against the container's memory limit, so the size
      // cannot exceed what the route was given anyway.
      Tmpfs: { "/tmp": `rw,nosuid,nodev,mode=1777,size=${spec.memoryMiB}m` },
      Binds: spec.binds?.map((b) => `${b.host}:${b.container}:rw`),
      // hotfn reads output over attach; a logging driver would also store every byte a hot container
      // writes (every answer body of the http/json formats) on the engine's disk, unbounded.
      LogConfig: { Type: "none", Config: {} },
    },
  });

  /** True when the container is gone (or going: 409, a removal in progress); false when the engine failed. */
  const tryRemove = async (id: string): Promise<boolean> => {
    try {
      await api.getContainer(id).remove({ force: true, v: true });
      return true;
    } catch (err) {
      const status = engineStatus(err);
      if (status === 404 || status === 409) return true;
      log.warn("container removal failed; will try again", { container: id, err: engineMessage(err) });
      return false;
    }
  };
  /** A removed container's holder serves the next one. */
  const removeAndRelease = async (id: string): Promise<boolean> => {
    const gone = await tryRemove(id);
    const holder = holderOf.get(id);
    if (gone && holder !== undefined) {
      holderOf.delete(id);
      holders?.release(holder);
    }
    return gone;
  };
  const retries = createRemovalRetry({ remove: removeAndRelease });
  const removeQuietly = async (id: string) => {
    if (!(await removeAndRelease(id))) retries.add(id);
  };

  const list = async (labels: Record<string, string | undefined>): Promise<ContainerSummary[]> => {
    const label = Object.entries(labels).map(([k, v]) => (v === undefined ? k : `${k}=${v}`));
    const found = await api.listContainers({ all: true, filters: JSON.stringify({ label }) }).catch(fail("list containers"));
    return found.map((c) => ({ id: c.Id, labels: c.Labels ?? {}, state: c.State ?? "unknown" }));
  };

  const removeAll = async (ids: string[]) => {
    await Promise.all(ids.map(removeQuietly));
    return ids.length;
  };

  /** Creates the container in a free holder's namespace when there is one, else in a fresh one. */
  const createContainer = async (spec: ContainerSpec, freshNamespace: boolean): Promise<string> => {
    const image = await resolveImage(spec.image).catch(fail("check the image"));
    const holder = freshNamespace ? undefined : holders?.take();
    if (holder !== undefined) {
      try {
        const { id } = await api.createContainer(createOptions(spec, image, `container:${holder}`));
        holderOf.set(id, holder);
        return id;
      } catch (err) {
        // The engine refused the container itself (its settings): the holder is fine and stays.
        if (!holderAtFault(err)) {
          holders!.release(holder);
          return fail("create a container")(err);
        }
        // The holder is gone (removed from outside, died): a fresh namespace it is, this time.
        log.warn("a network namespace holder failed; creating without it", { holder: holder.slice(0, 12), err: engineMessage(err) });
        holders!.drop(holder);
      }
    }
    return (await api.createContainer(createOptions(spec, image, "none")).catch(fail("create a container"))).id;
  };

  return {
    async ping() {
      await api.ping().catch(fail("answer a ping"));
    },

    async create(spec, createOptions) {
      starting++;
      try {
        return await createContainer(spec, createOptions?.freshNamespace === true);
      } finally {
        starting--;
      }
    },

    async attach(id, sinks) {
      const stream = await api
        .getContainer(id)
        .attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })
        .catch(fail("attach to a container"));
      return wrapAttachStream(stream as NodeJS.ReadWriteStream & { destroy?(): void }, sinks);
    },

    async start(id) {
      starting++;
      try {
        await api.getContainer(id).start();
      } catch (err) {
        const holder = holderOf.get(id);
        // Docker created the container in the holder's namespace but cannot start it there: the
        // holder stopped (an engine restart stops every container). Docker says "cannot join
        // network of a non running container".
        if (holder !== undefined && holderAtFault(err)) {
          log.warn("a network namespace holder is gone; retiring the holders made before it", { holder: holder.slice(0, 12), err: engineMessage(err) });
          holderOf.delete(id);
          holders?.drop(holder);
          throw new HolderGone({ cause: err });
        }
        fail("start a container")(err);
      } finally {
        starting--;
      }
    },

    async wait(id) {
      const container = api.getContainer(id);
      let exitCode = -1;
      try {
        exitCode = (await container.wait()).StatusCode ?? -1;
      } catch (err) {
        if (!isNotFound(err)) fail("wait for a container")(err);
        return { exitCode, oomKilled: false };
      }
      try {
        const state = (await container.inspect()).State;
        return { exitCode, oomKilled: state?.OOMKilled === true };
      } catch (err) {
        if (!isNotFound(err)) log.warn("container inspect failed", { container: id, err: engineMessage(err) });
        return { exitCode, oomKilled: false };
      }
    },

    async kill(id) {
      try {
        await api.getContainer(id).kill();
      } catch (err) {
        // 404: gone; 409: not running. Anything else is logged: kill must not throw into cleanup paths.
        const status = engineStatus(err);
        if (status !== 404 && status !== 409) log.warn("container kill failed", { container: id, err: engineMessage(err) });
      }
    },

    remove: removeQuietly,

    async removeLeftovers(node, instance) {
      const others = (await list({ [LABEL.node]: node })).filter((c) => c.labels[LABEL.instance] !== instance);
      const live = runningMarks(others.map((c) => c.labels[LABEL.owner]));
      const isLive = (c: ContainerSummary) => live.has(c.labels[LABEL.owner] ?? "");
      const running = new Set(others.filter(isLive).flatMap((c) => c.labels[LABEL.instance] ?? []));
      return { removed: await removeAll(others.filter((c) => !isLive(c)).map((c) => c.id)), running: [...running] };
    },

    async removeAllOf(instance, withinMs = 10_000) {
      const until = Date.now() + withinMs;
      const removed = new Set<string>();
      for (;;) {
        const left = await list({ [LABEL.instance]: instance });
        if (left.length === 0 || Date.now() >= until) return removed.size;
        await removeAll(left.map((c) => c.id));
        for (const c of left) removed.add(c.id);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },

    warmUp: () => holders?.start(),
    holderStats: () => holders?.stats() ?? { free: 0, inUse: 0 },
    async close() {
      retries.stop();
      await holders?.stop();
    },
  };
}

/** The root user, as Docker reads `user[:group]`. */
const ROOT = /^(root|0)?(:|$)/;
/** Who functions run as when neither the route nor the image names a non-root user: nobody. */
const NOBODY = "65534:65534";

/**
 * The container's User: the route's choice when it makes one ("root" is the documented opt-out);
 * otherwise the image's own USER when that is not root; otherwise nobody.
 */
export function runAs(routeUser: string, imageUser: string): { User?: string } {
  if (routeUser !== "") return { User: routeUser === "root" ? "0:0" : routeUser };
  return ROOT.test(imageUser) ? { User: NOBODY } : {};
}

/** dockerode connection options from a DOCKER_HOST-style URL. */
export function dockerOptions(dockerHost: string): Docker.DockerOptions {
  if (dockerHost.startsWith("unix://")) return { socketPath: dockerHost.slice("unix://".length) };
  const url = new URL(dockerHost.replace(/^tcp:/, "http:"));
  return { host: url.hostname, port: Number(url.port || 2375), protocol: "http" };
}
