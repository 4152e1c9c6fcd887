/**
 * Making sure an image is present before a container is created from it: look locally, else pull it
 * once — concurrent requests for the same image share one pull — and fail fast with a clear
 * FunctionFailed when it still is not there.
 * @module
 */
import { FunctionFailed } from "../errors.ts";
import { engineMessage, isNotFound } from "./errors.ts";

/** The two image operations the check needs; implemented over the Docker API in engine.ts. */
export interface ImageOps {
  /** Resolves when the image exists locally; rejects with a 404-carrying error when it does not. */
  inspect(image: string): Promise<unknown>;
  /** Pulls the image; rejects when the registry cannot provide it. */
  pull(image: string): Promise<void>;
}

/** Returns `ensure(image)`: resolves when `image` is present locally, pulling it at most once at a time. */
export function createImageEnsurer(ops: ImageOps): (image: string) => Promise<void> {
  const pulls = new Map<string, Promise<void>>();

  const pullOnce = (image: string): Promise<void> => {
    let pull = pulls.get(image);
    if (pull === undefined) {
      pull = ops.pull(image).finally(() => pulls.delete(image));
      pulls.set(image, pull);
    }
    return pull;
  };

  return async (image) => {
    try {
      await ops.inspect(image);
      return;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    try {
      await pullOnce(image);
      await ops.inspect(image);
    } catch (err) {
      throw new FunctionFailed(`image ${image} is not available: not present locally and could not be pulled: ${engineMessage(err)}`, { cause: err });
    }
  };
}
