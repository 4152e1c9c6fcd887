/**
 * Which images functions may run (HOTFN_ALLOWED_IMAGES): glob patterns over image references.
 * `*` matches within one path segment, `**` across segments. A reference matches when it, or the
 * same reference as Docker reads it (`:latest` added, `docker.io/library/` for official images),
 * matches a pattern. Pure; the API checks it when a route is written, the runner again at launch.
 * @module
 */

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

/** The reference as written, with its implied tag, and fully qualified as Docker Hub reads it. */
function spellings(image: string): string[] {
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const tagged = lastSegment.includes(":") || image.includes("@") ? image : `${image}:latest`;
  const first = tagged.split("/")[0]!;
  // A first segment with a dot or port, or `localhost`, names a registry; otherwise it is Docker Hub.
  const hasRegistry = tagged.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  const qualified = hasRegistry ? tagged : `docker.io/${tagged.includes("/") ? "" : "library/"}${tagged}`;
  return [...new Set([image, tagged, qualified])];
}
