import { describe, expect, it } from "vitest";
import { defineConfig } from "./define-config.js";
import { validateConfig } from "./validate.js";

describe("defineConfig", () => {
  it("types what the CLI checks: a dependsOn id's kind, and a function config", async () => {
    const config = defineConfig({
      images: { api: { context: "services/api", dependsOn: ["image:base", "package:@acme/auth"] } },
    });
    expect(validateConfig(config).ok).toBe(true);
    // (the package's typecheck fails if either of these type-checks)
    // @ts-expect-error "images" is not a node kind
    const typo = defineConfig({ images: { api: { context: "x", dependsOn: ["images:base"] } } });
    expect(validateConfig(typo).ok).toBe(false);
    // @ts-expect-error a dependsOn entry is "<kind>:<name>"
    defineConfig({ targets: { docs: { dependsOn: ["base"] } } });
    // the runtime takes a function (async or not) returning the config: so do the types
    const later = defineConfig(async () => ({ images: { api: { context: "services/api" } } }));
    expect(validateConfig(await later()).ok).toBe(true);
  });
});
