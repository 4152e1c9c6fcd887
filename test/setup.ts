/**
 * Preloaded by `bun test` (bunfig.toml): what every test file shares. Behaviour tests start real
 * servers and containers, which on a busy 2-core machine take seconds, not Bun's default 5 s.
 */
import { setDefaultTimeout } from "bun:test";

setDefaultTimeout(120_000);
