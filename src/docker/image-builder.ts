/**
 * Building images on the Docker engine for `hotfn build`: the engine's build API over a build
 * context — a directory with a Dockerfile (what `.dockerignore` excludes is not sent), or a tar
 * stream made by the caller — and image inspection. It sits beside engine.ts because only docker/
 * imports dockerode; the CLI sees `ImageBuilder` alone.
 * @module
 */
import { readdir } from "node:fs/promises";
import Docker from "dockerode";
import { HotfnError } from "../errors.ts";
import { dockerOptions } from "./engine.ts";
import { engineMessage, engineStatus, isNotFound, toEngineError } from "./errors.ts";

/** A build the engine refused or that failed in a step: the Dockerfile or the code is at fault. */
export class BuildFailed extends HotfnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("invalid", message, options);
    this.name = "BuildFailed";
  }
}

export interface ImageInfo {
  id: string;
  /** bytes of the whole image, its parents' layers included */
  size: number;
  labels: Record<string, string>;
}

/** A directory (packed here, .dockerignore applied), or an uncompressed tar stream of one. */
export type BuildContext = { dir: string } | { tar: NodeJS.ReadableStream };

export interface BuildOptions {
  /** `name:tag` the image gets */
  tag: string;
  /** labels added to the image (on top of the Dockerfile's) */
  labels?: Record<string, string>;
  /** each line of the engine's build output ("Step 2/4 : COPY ..."), as it comes */
  onOutput?(line: string): void;
  /** build every step afresh, as `docker build --no-cache` (to measure a build) */
  noCache?: boolean;
}

export interface ImageBuilder {
  /** Resolves when the engine answers; rejects with Unavailable otherwise. */
  ping(): Promise<void>;
  /**
   * Builds the Dockerfile of `context` and tags the result; resolves with the image id. Never asks
   * the engine to pull: `FROM` names a local image or `scratch`, or the engine tries its registry
   * as `docker build` would. Rejects with BuildFailed (a failed step, an unknown base) or
   * Unavailable (no engine answers).
   */
  build(context: BuildContext, options: BuildOptions): Promise<string>;
  /** The image `ref` names, or undefined when the engine has none by that name. */
  inspect(ref: string): Promise<ImageInfo | undefined>;
}

/** The slice of dockerode the builder uses: the vendor seam (a fake implements just this). */
export interface BuildApi {
  ping(): Promise<unknown>;
  buildImage(context: NodeJS.ReadableStream | { context: string; src: string[] }, options: Record<string, unknown>): Promise<NodeJS.ReadableStream>;
  getImage(name: string): { inspect(): Promise<{ Id: string; Size?: number; Config?: { Labels?: Record<string, string> | null } }> };
  modem: { followProgress(stream: NodeJS.ReadableStream, done: (err: Error | null, out: unknown[]) => void, onProgress?: (event: unknown) => void): void };
}

interface BuildEvent {
  stream?: string;
  error?: string;
  aux?: { ID?: string };
}

export function createImageBuilder(options: { dockerHost: string; api?: BuildApi }): ImageBuilder {
  const { dockerHost } = options;
  const api: BuildApi = options.api ?? (new Docker(dockerOptions(dockerHost)) as unknown as BuildApi);
  const fail = (what: string) => (err: unknown): never => {
    throw toEngineError(err, what, dockerHost);
  };

  return {
    async ping() {
      await api.ping().catch(fail("answer a ping"));
    },

    async build(context, { tag, labels, onOutput, noCache = false }) {
      // dockerode packs a directory's top-level entries (recursively) and applies .dockerignore.
      const body = "dir" in context ? { context: context.dir, src: await readdir(context.dir) } : context.tar;
      const stream = await api.buildImage(body, { t: tag, labels: labels ?? {}, rm: true, forcerm: true, nocache: noCache }).catch((err: unknown) => {
        // The engine refusing the request itself (a bad Dockerfile, a bad tag) is the build's fault.
        const status = engineStatus(err);
        if (status !== undefined && status < 500) throw new BuildFailed(`the engine refused the build: ${engineMessage(err)}`, { cause: err });
        return fail("build an image")(err);
      });
      let id: string | undefined;
      let failure: string | undefined;
      await new Promise<void>((resolve, reject) => {
        api.modem.followProgress(
          stream,
          (err) => (err ? reject(err) : resolve()),
          (event) => {
            const e = event as BuildEvent;
            if (typeof e.error === "string") failure ??= e.error.trim();
            if (typeof e.aux?.ID === "string") id = e.aux.ID;
            if (typeof e.stream === "string") for (const line of e.stream.split("\n")) if (line.trim() !== "") onOutput?.(line);
          },
        );
      }).catch(fail("build an image"));
      if (failure !== undefined) throw new BuildFailed(`the image build failed: ${failure}`);
      // Engines that do not report the id in an aux event still tagged the image.
      id ??= (await api.getImage(tag).inspect().catch(fail("inspect the built image"))).Id;
      return id;
    },

    async inspect(ref) {
      try {
        const info = await api.getImage(ref).inspect();
        return { id: info.Id, size: info.Size ?? 0, labels: info.Config?.Labels ?? {} };
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw toEngineError(err, `inspect image ${ref}`, dockerHost);
      }
    },
  };
}
