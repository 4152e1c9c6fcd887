/**
 * The labels hotfn puts on every container it creates, so that it can find its own containers again
 * (start-up reconcile, shutdown, tests) and never touch anyone else's.
 * @module
 */

export const LABEL = {
  /** present ("1") on every hotfn container */
  hotfn: "hotfn",
  /** the node (HOTFN_NODE) whose runner created it */
  node: "hotfn.node",
  /** the process lifetime (instance id) that created it; a restart makes the old ones leftovers */
  instance: "hotfn.instance",
  /** the process that created it (owner.ts): a start-up leaves a running one's containers alone */
  owner: "hotfn.owner",
  app: "hotfn.app",
  route: "hotfn.route",
  /** the call id, for `default`-format containers (one call each) */
  call: "hotfn.call",
  /** the function format */
  format: "hotfn.format",
  /** set on containers that run no function: "netns" for a namespace holder (holders.ts) */
  role: "hotfn.role",
} as const;
