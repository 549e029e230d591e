import type { WrittenConfig } from "./schema.js";

/**
 * Typed helper for `shipgraph.config.ts` / `shipgraph.config.mjs`:
 * `export default defineConfig({ images: { api: { context: "services/api" } } })`, or a function
 * (async or not) returning the config. It returns its argument unchanged; validation happens when
 * shipgraph loads the file.
 */
export function defineConfig<T extends WrittenConfig | (() => WrittenConfig | Promise<WrittenConfig>)>(
  config: T,
): T {
  return config;
}
