import { defineConfig } from "tsup";

// The CLI runs on every push: bundle it (and @shipgraph/core with its dependencies) into
// a few files, split per command so `--help` loads commander only. jiti and yaml stay external:
// jiti is loaded only for shipgraph.config.ts/.mjs files, yaml only to name the line of an error
// (js-yaml reads the data; see core's config/parse.ts).
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
  noExternal: [/^(?!(jiti|yaml)$).*/],
  external: ["jiti", "yaml"],
  banner: {
    js: 'import { createRequire as __shipgraphCreateRequire } from "node:module"; const require = __shipgraphCreateRequire(import.meta.url);',
  },
});
