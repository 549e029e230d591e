import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { youngGenerationFlag } from "./heap.js";

describe("youngGenerationFlag", () => {
  it("keeps the young generation at its start size by default", () => {
    expect(youngGenerationFlag({}, [])).toBe("--semi-space-growth-factor=1");
  });

  it("sets nothing when the user tunes the semi-spaces", () => {
    expect(youngGenerationFlag({ NODE_OPTIONS: "--max-semi-space-size=32" }, [])).toBeUndefined();
    expect(youngGenerationFlag({}, ["--semi_space_growth_factor=4"])).toBeUndefined();
    expect(youngGenerationFlag({ NODE_OPTIONS: "--max-old-space-size=4096" }, [])).toBe(
      "--semi-space-growth-factor=1",
    );
  });

  it("is a flag this Node.js accepts at run time", () => {
    // node exits non-zero on an unknown V8 flag
    const run = spawnSync(process.execPath, [youngGenerationFlag({}, [])!, "-e", "0"], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });
});
