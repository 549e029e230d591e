import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Most of the time goes to the git, buf and shipgraph processes the end-to-end tests start,
    // while their worker waits: Vitest's default (one worker less than the cores: one on CI's 2)
    // leaves a core idle.
    maxWorkers: Math.max(2, availableParallelism()),
  },
});
