/**
 * PATCH semantics for string maps (config, headers): keys in the patch replace, an empty value removes.
 * @module
 */

export function mergeMap<T>(current: Record<string, T>, patch: Record<string, T>, isRemoval: (v: T) => boolean = (v) => v === ("" as T)): Record<string, T> {
  const out: Record<string, T> = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (isRemoval(v)) delete out[k];
    else out[k] = v;
  }
  return out;
}
