/**
 * Which images functions may run (HOTFN_ALLOWED_IMAGES): glob patterns over image references.
 * `*` matches within one path segment, `**` across segments. A reference matches when it, or the
 * same reference as Docker reads it (`:latest` added, `docker.io/library/` for official images),
 * matches a pattern. Pure; the API checks it when a route is written, the runner again at launch.
 * @module
 */
import { parseImageRef, qualifiedImage } from "./image-ref.ts";

export interface ImagePolicy {
  /** True when `image` may be run. */
  allows(image: string): boolean;
  /** The patterns, for messages; undefined when any image is allowed. */
  readonly patterns: readonly string[] | undefined;
}

/** No patterns: any image. */
export function createImagePolicy(patterns: readonly string[] | undefined): ImagePolicy {
  if (patterns === undefined) return { allows: () => true, patterns: undefined };
  const compiled = patterns.map(globToRegExp);
  return {
    allows: (image) => spellings(image).some((ref) => compiled.some((re) => re.test(ref))),
    patterns,
  };
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split("**")
    .map((part) => part.split("*").map(escape).join("[^/]*"))
    .join(".*");
  return new RegExp(`^${body}$`);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The reference as written, with its implied tag, and fully qualified as Docker reads it. */
function spellings(image: string): string[] {
  const ref = parseImageRef(image);
  if (typeof ref === "string") return [image];
  const tagged = ref.tag === undefined && ref.digest === undefined ? `${image}:latest` : image;
  return [...new Set([image, tagged, qualifiedImage(ref)])];
}
