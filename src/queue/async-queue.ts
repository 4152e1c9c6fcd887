/**
 * The async queue as the API sees it: store a call durably (bounded), then wake a worker of this
 * process so it does not wait for its next poll.
 * @module
 */
import type { CallQueueRepo, QueueBounds } from "../store/call-queue.ts";
import { type AsyncCall, toQueuedCall } from "./stored-call.ts";

export interface AsyncQueue {
  /**
   * Stores the call as `queued` and resolves once it is written, so a 202 after it never promises
   * a call that could be lost. Throws Busy (nothing stored) when the queue is at one of its bounds.
   */
  enqueue(call: AsyncCall): Promise<void>;
}

export interface AsyncQueueOptions {
  queue: CallQueueRepo;
  /** the bounds on queued calls and their bytes (HOTFN_MAX_QUEUED, HOTFN_MAX_QUEUED_BYTES) */
  bounds: QueueBounds;
  /** told after each stored call; the in-process workers' `notify` */
  onEnqueued?: () => void;
}

export function createAsyncQueue({ queue, bounds, onEnqueued }: AsyncQueueOptions): AsyncQueue {
  return {
    async enqueue(call) {
      await queue.enqueue(toQueuedCall(call), bounds);
      onEnqueued?.();
    },
  };
}
