// hotfn's stand-in for `@grpc/grpc-js` (package.json "overrides"). dockerode requires it, with
// @grpc/proto-loader, as it loads, for BuildKit sessions (`buildImage` with `version: "2"`), which
// hotfn never opens: it builds with the classic builder. The real package is about half of all the
// JavaScript a running hotfn loads (3.7 MB of heap, 3,800 functions), and every young-generation
// collection of the JS engine takes longer the more code is loaded (bench/README.md "Issue 10").
"use strict";

const unavailable = () => {
  throw new Error("hotfn does not open BuildKit sessions (@grpc/grpc-js is a stub)");
};

class Server {
  constructor() {
    unavailable();
  }
}

module.exports = { Server, ServerCredentials: { createInsecure: unavailable }, loadPackageDefinition: unavailable };
