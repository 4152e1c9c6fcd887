// hotfn's stand-in for `@grpc/proto-loader` (package.json "overrides"): see stubs/grpc-js.
"use strict";

module.exports = {
  loadSync() {
    throw new Error("hotfn does not open BuildKit sessions (@grpc/proto-loader is a stub)");
  },
};
