/**
 * `hotfn build`: a function's directory → a local image `[REGISTRY/]NAME:VERSION`, with no registry
 * and no Dockerfile needed. The pipeline, in order; any step that fails stops it with its reason,
 * and then nothing is tagged and func.yaml is left as it was:
 *
 *   read       func.yaml, checked (func-yaml.ts); with `bump`, the next patch version is the tag.
 *   Dockerfile when the directory has one, the engine builds it as `docker build` would: done.
 *   install    package.json lists dependencies and node_modules is missing: `bun install`.
 *   bundle     the handler and only what it imports → func.js (bundle.ts).
 *   runtime    the shared base hotfn/runtime-bun:<bun version>, built once (runtime-base.ts).
 *   image      `FROM` the base, `COPY func.js`: a layer of kilobytes, through the engine's build API.
 *   version    with `bump`, the new version is written into func.yaml.
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ImageBuilder } from "../docker/image-builder.ts";
import { BuildFailed } from "../docker/image-builder.ts";
import { BUNDLE, bundleFunction, findEntry, installDependencies, needsInstall } from "./bundle.ts";
import { type FuncSpec, nextPatch, readFuncYaml, writeVersion } from "./func-yaml.ts";
import { createProgress, formatBytes } from "./progress.ts";
import { ensureRuntimeBase } from "./runtime-base.ts";
import { type TarEntry, tarStream } from "../docker/tar.ts";

export interface BuildFunctionOptions {
  builder: ImageBuilder;
  /** raise the patch version (written to func.yaml once the image is built) */
  bump?: boolean;
  /** prefix of the image name (HOTFN_REGISTRY); nothing is pushed */
  registry?: string;
  /** where progress lines go; nothing is shown when quiet */
  write(line: string): void;
  quiet?: boolean;
  /** the Bun runtime for installs and the base image (this executable by default) */
  runtimePath?: string;
}

export interface BuiltFunction {
  /** func.yaml as built (with the raised version when bumped) */
  spec: FuncSpec;
  /** `[REGISTRY/]NAME:VERSION` */
  image: string;
  id: string;
  /** bytes of the whole image */
  size: number;
  /** bytes of this function's own layers (the whole image for a Dockerfile build) */
  ownSize: number;
  /** the base it is a layer on, when it is one */
  base?: string;
}

export async function buildFunction(dir: string, options: BuildFunctionOptions): Promise<BuiltFunction> {
  const { builder, write, quiet } = options;
  const runtimePath = options.runtimePath ?? process.execPath;
  const read = await readFuncYaml(dir);
  const spec: FuncSpec = options.bump ? { ...read, version: nextPatch(read.version) } : read;
  const image = `${options.registry ? `${options.registry.replace(/\/+$/, "")}/` : ""}${spec.name}:${spec.version}`;
  const labels = { "hotfn.function": spec.name, "hotfn.function.version": spec.version, "hotfn.runtime": spec.runtime };
  await builder.ping();

  let built: BuiltFunction;
  if (existsSync(join(dir, "Dockerfile"))) {
    const progress = createProgress({ total: 1, write, quiet });
    if (!quiet) write(`hotfn build: ${image} from ${dir}/Dockerfile`);
    progress.step(`image ${image} (the engine builds the Dockerfile)`);
    const id = await builder.build({ dir }, { tag: image, labels, onOutput: (line) => progress.detail(line) });
    const info = await builder.inspect(id);
    progress.done(`${formatBytes(info?.size ?? 0)}`);
    built = { spec, image, id, size: info?.size ?? 0, ownSize: info?.size ?? 0 };
    progress.finish(`built ${image}`);
  } else {
    if (spec.runtime === "docker") throw new BuildFailed(`${dir} has no Dockerfile, and func.yaml names no runtime hotfn can package (bun, node-fdk)`);
    const install = await needsInstall(dir);
    const progress = createProgress({ total: install ? 4 : 3, write, quiet });
    if (!quiet) write(`hotfn build: ${image} from ${dir} (runtime ${spec.runtime})`);
    if (install) {
      progress.step("install the dependencies package.json lists");
      await installDependencies(dir, runtimePath, (line) => progress.detail(line));
      progress.done("installed");
    }
    const entry = await findEntry(dir, spec.runtime);
    progress.step(`bundle ${entry} and what it imports`);
    const bundle = await bundleFunction(dir, entry);
    progress.done(`${BUNDLE} ${formatBytes(bundle.size)}`);
    progress.step("runtime base");
    const base = await ensureRuntimeBase(builder, progress, { runtimePath });
    progress.step(`image ${image}`);
    const id = await buildLayer(builder, base.tag, bundle.files, image, labels);
    const info = await builder.inspect(id);
    const size = info?.size ?? 0;
    progress.done(`a layer of ${formatBytes(size - base.size)} on ${base.tag}`);
    built = { spec, image, id, size, ownSize: size - base.size, base: base.tag };
    progress.finish(`built ${image} (${formatBytes(size - base.size)} of its own, ${formatBytes(base.size)} shared)`);
  }
  if (options.bump) await writeVersion(dir, spec.version);
  return built;
}

/** The function image: the base plus the bundle, built from a context of just those files. */
function buildLayer(builder: ImageBuilder, base: string, files: Record<string, Uint8Array>, tag: string, labels: Record<string, string>): Promise<string> {
  const dockerfile = [`FROM ${base}`, `COPY ${Object.keys(files).join(" ")} /function/`, `CMD ["/function/${BUNDLE}"]`, ""].join("\n");
  const entries: TarEntry[] = [
    { type: "file", path: "Dockerfile", mode: 0o644, data: dockerfile },
    ...Object.entries(files).map(([path, data]): TarEntry => ({ type: "file", path, mode: 0o644, data })),
  ];
  return builder.build({ tar: tarStream(entries) }, { tag, labels });
}
