import { defineConfig } from "tsup";

// The CLI runs on every push: bundle it (and @shipgraph/core with its dependencies) into
// a few files, split per command so `--help` loads commander only. jiti stays external:
// it is loaded only for shipgraph.config.ts/.mjs files.
export default defineConfig({
  entry: ["src/cli.ts"],
  format: ["esm"],
  target: "node20",
  platform: "node",
  splitting: true,
  dts: true,
  clean: true,
  sourcemap: false,
  minify: false,
  noExternal: [/^(?!jiti$).*/],
  external: ["jiti"],
  banner: {
    js: 'import { createRequire as __shipgraphCreateRequire } from "node:module"; const require = __shipgraphCreateRequire(import.meta.url);',
  },
});
