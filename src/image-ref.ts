/**
 * Docker image references (distribution/reference's grammar): what a valid one looks like, and the
 * same reference as Docker reads it (`busybox` is `docker.io/library/busybox:latest`). Pure; the API
 * refuses at write time what Docker would refuse at call time, the image policy matches on both forms.
 * @module
 */

/** domain-component, optionally `:port`; or a bracketed IPv6 address */
const DOMAIN = /^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;
/** path-component: lower-case alphanumerics joined by `.`, `_`, `__` or runs of `-` */
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
/** hex lengths of the digest algorithms Docker knows */
const DIGEST_HEX: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
/** the longest repository path Docker takes (NameTotalLengthMax), `library/` included */
const MAX_PATH = 255;

export interface ImageRef {
  /** registry host[:port]; docker.io when the reference names none */
  domain: string;
  /** repository path, `library/` added for official Docker Hub images */
  path: string;
  tag: string | undefined;
  digest: string | undefined;
}

/** The reference split as Docker reads it, or a sentence saying why Docker would refuse it. */
export function parseImageRef(ref: string): ImageRef | string {
  if (ref === "") return "must not be empty";
  const at = ref.indexOf("@");
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const named = at >= 0 ? ref.slice(0, at) : ref;
  if (digest !== undefined) {
    if (!DIGEST.test(digest)) return `digest ${JSON.stringify(digest)} is not algorithm:hex`;
    const [algorithm, hex] = digest.split(":") as [string, string];
    const want = DIGEST_HEX[algorithm];
    if (want !== undefined && hex.length !== want) return `a ${algorithm} digest has ${want} hex digits`;
  }
  const slash = named.indexOf("/");
  const first = slash >= 0 ? named.slice(0, slash) : "";
  // As Docker decides: a first component with a dot or a port, or `localhost`, names a registry.
  const hasDomain = slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost" || first !== first.toLowerCase());
  if (hasDomain && !DOMAIN.test(first)) return `registry ${JSON.stringify(first)} is not a host name`;
  const rest = hasDomain ? named.slice(slash + 1) : named;
  const colon = rest.lastIndexOf(":");
  const tag = colon >= 0 ? rest.slice(colon + 1) : undefined;
  const repo = colon >= 0 ? rest.slice(0, colon) : rest;
  if (tag !== undefined && !TAG.test(tag)) return `tag ${JSON.stringify(tag)} is not 1-128 characters of A-Z a-z 0-9 _ . - (not starting with . or -)`;
  const components = repo.split("/");
  for (const c of components) {
    if (!PATH_COMPONENT.test(c)) return `repository ${JSON.stringify(repo)} must be lower-case path components (a-z 0-9, joined by . _ __ or -)`;
  }
  const domain = hasDomain ? first : "docker.io";
  const path = domain === "docker.io" && components.length === 1 ? `library/${repo}` : repo;
  if (path.length > MAX_PATH) return `repository path must be at most ${MAX_PATH} characters`;
  return { domain, path, tag, digest };
}

/** The fully qualified spelling of a valid reference: `docker.io/library/busybox:latest`. */
export function qualifiedImage(ref: ImageRef): string {
  const tag = ref.tag === undefined && ref.digest === undefined ? ":latest" : ref.tag === undefined ? "" : `:${ref.tag}`;
  return `${ref.domain}/${ref.path}${tag}${ref.digest === undefined ? "" : `@${ref.digest}`}`;
}
