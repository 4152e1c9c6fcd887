/**
 * The namespace holders of one hotfn instance over the Docker API: what a holder container is (the
 * pause image, no network, nothing else allowed, labelled as hotfn's), and the pool of them
 * (netns-pool.ts) that the engine's create() draws on.
 * @module
 */
import type Docker from "dockerode";
import type { Logger } from "../log.ts";
import { LABEL } from "./labels.ts";
import { ensureHolderImage, HOLDER_CMD, HOLDER_IMAGE, holdersSupported } from "./netns-image.ts";
import { createNetnsPool, type NetnsPool } from "./netns-pool.ts";

/** The Docker calls holders need: the engine's own client. */
export interface HolderApi {
  createContainer(options: Docker.ContainerCreateOptions): Promise<{ id: string }>;
  getContainer(id: string): { start(): Promise<unknown>; remove(options: { force: boolean; v: boolean }): Promise<unknown> };
  getImage(name: string): { inspect(): Promise<unknown> };
  importImage(tar: NodeJS.ReadableStream, options: { repo: string; tag: string }): Promise<NodeJS.ReadableStream>;
  modem: { followProgress(stream: NodeJS.ReadableStream, done: (err: Error | null, out: unknown[]) => void): void };
}

export interface HoldersOptions {
  api: HolderApi;
  /** True while the engine creates or starts a function container */
  engineBusy(): boolean;
  /** the labels every hotfn container carries (hotfn, node, instance) */
  labels: Record<string, string>;
  /** free holders to keep ready (HOTFN_NETNS_SPARE); 0 means none */
  spare: number;
  log: Logger;
}

/** The pool, or undefined where holders are off (spare 0, or not an x86-64 machine). */
export function createHolders({ api, labels, spare, log, engineBusy }: HoldersOptions): NetnsPool | undefined {
  if (spare <= 0 || !holdersSupported()) return undefined;
  let image: Promise<void> | undefined;
  const imagePresent = () => {
    image ??= ensureHolderImage({
      inspect: (name) => api.getImage(name).inspect(),
      importTar: async (tar, repo, tag) => {
        const progress = await api.importImage(tar, { repo, tag });
        await new Promise<void>((resolve, reject) => api.modem.followProgress(progress, (err) => (err ? reject(err) : resolve())));
      },
    }).catch((err: unknown) => {
      image = undefined; // try again next time: the engine may have been away
      throw err;
    });
    return image;
  };

  return createNetnsPool({
    spare,
    engineBusy,
    async startHolder() {
      await imagePresent();
      const { id } = await api.createContainer({
        Image: HOLDER_IMAGE,
        Cmd: HOLDER_CMD,
        User: "65534:65534",
        Labels: { ...labels, [LABEL.role]: "netns" },
        HostConfig: {
          NetworkMode: "none",
          CapDrop: ["ALL"],
          SecurityOpt: ["no-new-privileges"],
          ReadonlyRootfs: true,
          PidsLimit: 4,
          // Docker's smallest limit; pause(2) holds next to nothing.
          Memory: 6 * 1024 * 1024,
          MemorySwap: 6 * 1024 * 1024,
          LogConfig: { Type: "none", Config: {} },
        },
      });
      try {
        await api.getContainer(id).start();
      } catch (err) {
        await api.getContainer(id).remove({ force: true, v: true }).catch(() => {});
        throw err;
      }
      return id;
    },
    async removeHolder(id) {
      // A holder that cannot be removed now carries our labels: the next start's reconcile takes it.
      await api.getContainer(id).remove({ force: true, v: true }).catch(() => {});
    },
    onError: (err) => log.warn("could not start a network namespace holder; will try again", { err }),
  });
}
