/**
 * Types for the four prom-client modules metrics.ts loads one by one: prom-client's index also loads
 * its default metrics, Summary, Pushgateway and cluster aggregation, 1.4 MB of heap and 1,400 functions
 * hotfn never uses, and every young-generation collection takes longer the more code is loaded
 * (bench/README.md "Issue 10"). Each module's export is the class prom-client's index exports.
 */
declare module "prom-client/lib/registry.js" {
  import { Registry } from "prom-client";
  export default Registry;
}
declare module "prom-client/lib/counter.js" {
  import { Counter } from "prom-client";
  export default Counter;
}
declare module "prom-client/lib/gauge.js" {
  import { Gauge } from "prom-client";
  export default Gauge;
}
declare module "prom-client/lib/histogram.js" {
  import { Histogram } from "prom-client";
  export default Histogram;
}
