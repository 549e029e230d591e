import { defineConfig } from "tsup";

// The CLI runs on every push: start-up counts.
// - dist/shipgraph.cjs: the whole CLI (@shipgraph/core and its dependencies included) as one
//   CommonJS file, so src/launch.ts can compile it with V8's code cache (vm.Script takes cached
//   data for scripts, not ES modules). jiti and yaml stay external: jiti is loaded only for
//   shipgraph.config.ts/.mjs files, yaml only to name the line of an error (js-yaml reads the data).
// - dist/launch.cjs: the small CommonJS module bin/shipgraph.cjs requires; it loads the bundle
//   (CommonJS both: an ES module entry costs ~6 ms of Node's start-up).
// scripts/code-cache.mjs then makes the code cache (see package.json's build).
export default defineConfig([
  {
    entry: { shipgraph: "src/run.ts" },
    format: ["cjs"],
    outExtension: () => ({ js: ".cjs" }),
    target: "node20",
    platform: "node",
    splitting: false,
    dts: false,
    clean: true,
    sourcemap: false,
    minify: false,
    noExternal: [/^(?!(jiti|yaml)$).*/],
    external: ["jiti", "yaml"],
    banner: {
      js: '"use strict"; const __shipgraphImportMetaUrl = require("node:url").pathToFileURL(__filename).href;',
    },
    esbuildOptions(options) {
      // import.meta.url (core's createRequire) is this file's URL; import("jiti") is a require
      options.define = { ...options.define, "import.meta.url": "__shipgraphImportMetaUrl" };
      options.supported = { ...options.supported, "dynamic-import": false };
    },
  },
  {
    entry: { launch: "src/launch.ts" },
    format: ["cjs"],
    outExtension: () => ({ js: ".cjs" }),
    target: "node20",
    platform: "node",
    splitting: false,
    dts: false,
    clean: false,
    sourcemap: false,
  },
]);
