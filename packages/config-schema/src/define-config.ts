import type { WrittenConfig } from "./schema.js";

/**
 * Typed helper for `shipgraph.config.ts` / `shipgraph.config.mjs`:
 * `export default defineConfig({ images: { api: { context: "services/api" } } })`.
 * It returns its argument unchanged; validation happens when shipgraph loads the file.
 */
export function defineConfig(config: WrittenConfig): WrittenConfig {
  return config;
}
