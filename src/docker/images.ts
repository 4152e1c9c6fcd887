/**
 * Making sure an image is present before a container is created from it, as the pull policy says
 * (HOTFN_PULL): `missing` pulls only an absent image, `never` never pulls, `always` pulls before
 * every start. Concurrent pulls of one image share one; failures are FunctionFailed with a message
 * fit for the caller, the engine's own text (registry hosts, DNS servers) kept as the cause for the log.
 * @module
 */
import { FunctionFailed } from "../errors.ts";
import { isNotFound } from "./errors.ts";

export type PullPolicy = "missing" | "never" | "always";

/** What hotfn reads of an image. */
export interface ImageFacts {
  /** the image's USER ("" when it names none) */
  user: string;
}

/** The two image operations the check needs; implemented over the Docker API in engine.ts. */
export interface ImageOps {
  /** Resolves with the image's facts when it exists locally; rejects with a 404-carrying error when it does not. */
  inspect(image: string): Promise<ImageFacts>;
  /** Pulls the image; rejects when the registry cannot provide it. */
  pull(image: string): Promise<void>;
}

/**
 * How long an image found present is taken to stay so without asking the engine again: every
 * container start asked it once (a few ms of a cold start), and an image changes far less often.
 */
const PRESENT_MS = 5000;
/** Images remembered at most; the oldest answer goes first. */
const REMEMBERED = 1000;

/**
 * Returns `resolve(image)`: the image's facts once it is present as `policy` wants, pulling at most
 * once at a time. A present image's facts are reused for a few seconds (not with `always`).
 */
export function createImageResolver(ops: ImageOps, policy: PullPolicy): (image: string) => Promise<ImageFacts> {
  const pulls = new Map<string, Promise<void>>();
  const present = new Map<string, { facts: ImageFacts; at: number }>();
  const inspect = async (image: string): Promise<ImageFacts> => {
    const facts = await ops.inspect(image);
    present.delete(image);
    present.set(image, { facts, at: performance.now() });
    if (present.size > REMEMBERED) present.delete(present.keys().next().value!);
    return facts;
  };

  const pullOnce = (image: string): Promise<void> => {
    let pull = pulls.get(image);
    if (pull === undefined) {
      pull = ops.pull(image).finally(() => pulls.delete(image));
      pulls.set(image, pull);
    }
    return pull;
  };

  const pulled = async (image: string): Promise<ImageFacts> => {
    try {
      await pullOnce(image);
    } catch (err) {
      const what = policy === "always" ? "could not be pulled (HOTFN_PULL=always)" : "is not present on this node and could not be pulled";
      throw new FunctionFailed(`image ${image} ${what}; hotfn's log has the registry's answer`, { cause: err });
    }
    return inspect(image);
  };

  return async (image) => {
    if (policy === "always") return pulled(image);
    const known = present.get(image);
    if (known !== undefined && performance.now() - known.at < PRESENT_MS) return known.facts;
    try {
      return await inspect(image);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (policy === "never") throw new FunctionFailed(`image ${image} is not present on this node, and HOTFN_PULL=never forbids pulling it`);
    return pulled(image);
  };
}
