// hotfn's stand-in for the `ssh2` package (package.json "overrides"). docker-modem requires ssh2 at
// load for `ssh://` Docker hosts, which hotfn does not accept (DOCKER_HOST is unix://, tcp:// or
// http://). The real ssh2 instantiates a WebAssembly module with 16 MiB of memory as it loads; the
// JS engine counts that memory as heap, and so let the heap of every hotfn grow several times larger
// between collections under load (bench/README.md "Memory"). This stub loads nothing.
"use strict";

class Client {
  constructor() {
    throw new Error("hotfn does not reach Docker over SSH: use a unix://, tcp:// or http:// DOCKER_HOST");
  }
}

module.exports = { Client };
