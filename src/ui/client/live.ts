/**
 * Live updates by polling: each view starts its pollers in a Scope, and leaving the view ends them.
 * A poll starts only after the previous one settled (never two at once), and none runs while the
 * tab is hidden. States of a poller: waiting → polling → waiting … → stopped (scope closed).
 * @module
 */

export class Scope {
  private readonly stops: (() => void)[] = [];
  private closed = false;

  /** Runs `poll` now and then every `ms` after it settles, until the scope closes. Errors go to `onError`. */
  every(ms: number, poll: () => Promise<void>, onError: (err: unknown) => void = () => {}): void {
    let timer: number | undefined;
    let stopped = false;
    const run = async () => {
      timer = undefined;
      if (stopped) return;
      if (!document.hidden) {
        try {
          await poll();
        } catch (err) {
          onError(err);
        }
      }
      if (!stopped) timer = window.setTimeout(run, ms);
    };
    this.stops.push(() => {
      stopped = true;
      window.clearTimeout(timer);
    });
    void run();
  }

  /** Runs `stop` when the scope closes (charts to destroy, listeners to remove). */
  onClose(stop: () => void): void {
    if (this.closed) stop();
    else this.stops.push(stop);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
    for (const stop of this.stops.splice(0)) stop();
  }
}
