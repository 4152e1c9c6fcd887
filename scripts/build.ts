/**
 * Builds dist/hotfn: one executable with everything inside, including libSQL's native addon.
 * `libsql` picks its addon with a dynamic require (`@libsql/${target}`) that `bun build --compile`
 * cannot follow; the plugin below rewrites it into a static require of this platform's package so
 * the .node file is embedded and the binary runs from a directory without node_modules.
 */
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const target = `${process.platform}-${process.arch}-${process.platform === "linux" ? "gnu" : ""}`.replace(/-$/, "");

const embedLibsqlAddon: Bun.BunPlugin = {
  name: "embed-libsql-addon",
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]libsql[\\/]index\.js$/ }, async (args) => {
      const source = await Bun.file(args.path).text();
      const dynamic = "return require(`@libsql/${target}`);";
      if (!source.includes(dynamic)) throw new Error(`libsql's loader changed; update scripts/build.ts (${args.path})`);
      return { contents: source.replace(dynamic, `return require("@libsql/${target}");`), loader: "js" };
    });
  },
};

const result = await Bun.build({
  // A worker's module is an entrypoint of its own: the bundler does not follow `new Worker(url)`.
  entrypoints: [join(root, "src/main.ts"), join(root, "src/store/recorder-thread.ts")],
  compile: { outfile: join(root, "dist/hotfn") },
  minify: true,
  sourcemap: "linked",
  plugins: [embedLibsqlAddon],
});
if (!result.success) {
  for (const m of result.logs) console.error(m);
  process.exit(1);
}
console.log(`built dist/hotfn (${target})`);
