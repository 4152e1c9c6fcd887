/**
 * Node heartbeats: each hotfn process holds its node name (HOTFN_NODE) in the `nodes` table and
 * proves it is alive by a heartbeat every fifth of `timeoutMs`. A node whose heartbeat lapsed for
 * `timeoutMs` is dead: whichever live node sees it first removes its row and returns its async
 * claims to the queue, without waiting for their leases to lapse. A second live process with the
 * same name refuses to start (two would remove each other's containers).
 *
 * States of this process's membership:
 *   joining  join(): take the name when it is free or its holder's heartbeat lapsed. When it is
 *            held, watch the holder's heartbeat: it moves (a live process) → NodeInUse; it lapses
 *            (a process that died, often the one this process replaces) → take the name
 *   beating  start(): every interval, a heartbeat, then the dead nodes reaped. A heartbeat that
 *            finds the row gone or taken (this process stalled past the timeout) takes the name
 *            again when it can, and logs it
 *   left     stop(): the loop ends and the row is removed, so a restart takes the name at once
 * The heartbeats and the deadline are the database's clock, so nodes' clocks need not agree.
 * @module
 */
import type { Logger } from "../log.ts";
import { runtime } from "../runtime/index.ts";

/** The holder of a node name: its process and its last heartbeat (ms, the database's clock). */
export interface NodeHolder {
  instance: string;
  beatAt: number;
}

/** Node rows, per dialect (nodes.ts, pg/nodes.ts). */
export interface NodeRepo {
  /**
   * Takes `node` for `instance`: inserts its row, or takes over one whose heartbeat is older than
   * `staleMs` or that is `instance`'s already. Null when taken; else the current holder.
   */
  take(node: string, instance: string, staleMs: number): Promise<NodeHolder | null>;
  /** Records a heartbeat. False when the row is not `instance`'s any more (reaped or taken). */
  beat(node: string, instance: string): Promise<boolean>;
  /** Removes `instance`'s row, if it is still its own. */
  leave(node: string, instance: string): Promise<void>;
  /** Removes the rows whose heartbeat is older than `staleMs`, and returns them. */
  reap(staleMs: number): Promise<{ name: string; instance: string }[]>;
}

/** Thrown by join() when a live process holds the node name. */
export class NodeInUse extends Error {
  constructor(node: string, holder: string) {
    super(
      `node name "${node}" is in use by a running hotfn (process ${holder}, whose heartbeat goes on): ` +
        "give every process its own HOTFN_NODE, or stop the other one first",
    );
    this.name = "NodeInUse";
  }
}

export interface NodeHeartbeat {
  /** Takes the node name (see above); throws NodeInUse. Resolves within about 2 × timeoutMs. */
  join(): Promise<void>;
  /** Starts the heartbeat loop (after join). */
  start(): void;
  /** Ends the loop and gives the name up. Never rejects. */
  stop(): Promise<void>;
}

export interface NodeHeartbeatOptions {
  nodes: NodeRepo;
  node: string;
  /** this process: its async claims are leased to `worker:<node>/<instance>#n` */
  instance: string;
  /** a node is dead once its heartbeat is this old (HOTFN_NODE_TIMEOUT) */
  timeoutMs: number;
  /** returns a dead process's claims to the queue (CallQueueRepo.releaseOwnedBy); how many */
  releaseClaimsOf(node: string, instance: string): Promise<number>;
  log: Logger;
}

export function createNodeHeartbeat(opts: NodeHeartbeatOptions): NodeHeartbeat {
  const { nodes, node, instance, timeoutMs, log } = opts;
  const intervalMs = Math.max(50, Math.floor(timeoutMs / 5));
  let timer: Timer | undefined;
  let beating: Promise<void> | undefined;
  let lostAt: string | undefined;

  const beat = async () => {
    try {
      if (!(await nodes.beat(node, instance))) {
        const holder = await nodes.take(node, instance, timeoutMs);
        if (holder === null) log.warn("this node's heartbeat had lapsed (the process stalled); it holds its name again", { node });
        else if (lostAt !== holder.instance) log.error("another process took this node's name over: give every process its own HOTFN_NODE", { node, other: holder.instance });
        lostAt = holder?.instance;
      }
      for (const dead of await nodes.reap(timeoutMs)) {
        const calls = await opts.releaseClaimsOf(dead.name, dead.instance);
        log.info("a node stopped its heartbeat: its async calls went back to the queue", { dead: dead.name, calls });
      }
    } catch (err) {
      log.warn("node heartbeat failed; will try again", { err });
    }
  };

  return {
    async join() {
      const first = await nodes.take(node, instance, timeoutMs);
      if (first === null) return;
      log.info("this node's name is held by another process: waiting to see whether its heartbeat goes on", { node, holder: first.instance });
      const giveUpAt = Date.now() + 2 * timeoutMs + 1000;
      while (Date.now() < giveUpAt) {
        await runtime.sleep(intervalMs);
        const holder = await nodes.take(node, instance, timeoutMs);
        if (holder === null) return;
        if (holder.instance !== first.instance || holder.beatAt !== first.beatAt) throw new NodeInUse(node, holder.instance);
      }
      throw new NodeInUse(node, first.instance);
    },

    start() {
      timer ??= setInterval(() => {
        if (beating === undefined) beating = beat().finally(() => (beating = undefined));
      }, intervalMs);
    },

    async stop() {
      clearInterval(timer);
      await beating;
      await nodes.leave(node, instance).catch((err: unknown) => log.warn("node row not removed; it lapses", { err }));
    },
  };
}
