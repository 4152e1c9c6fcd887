// The function, written for Fn's Node.js FDK (@fnproject/fdk), as Fn functions are: hotfn runs it
// unchanged. `input` is the call's body, parsed when it is JSON; what the handler returns is the
// answer (objects as JSON). `hotfn build` installs the FDK and bundles this file into an image.
const fdk = require("@fnproject/fdk");

fdk.handle(async function (input, ctx) {
  const name = (typeof input === "object" && input !== null ? input.name : String(input).trim()) || "world";
  return { message: `Hello, ${name}!` };
});
