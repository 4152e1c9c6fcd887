/**
 * Tells listeners in this process that an app or route changed — here or in any other process on
 * the database (change-watch.ts feeds it from the change log) — so caches drop it and the runner
 * retires containers built from the old definition. Listeners that throw are reported, never
 * propagated to the writer.
 * @module
 */

/** `path` is absent when a whole app changed (its config, or its deletion). */
export interface Change {
  appName: string;
  path?: string;
  kind: "created" | "updated" | "deleted";
}

export type ChangeListener = (change: Change) => void;

export interface ChangeFeed {
  on(listener: ChangeListener): () => void;
  emit(change: Change): void;
}

export function createChangeFeed(onListenerError: (err: unknown) => void = () => {}): ChangeFeed {
  const listeners = new Set<ChangeListener>();
  return {
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(change) {
      for (const l of listeners) {
        try {
          l(change);
        } catch (err) {
          onListenerError(err);
        }
      }
    },
  };
}
