import { describe, expect, it } from "vitest";
import type { GraphNode } from "../types.js";
import { createOwnerIndex } from "./owners.js";

/** An image whose build context is `dir` and whose Dockerfile reads `patterns`. */
function image(dir: string, patterns: string[] | undefined, dockerignore: string[] = []): GraphNode {
  return {
    id: "image:app",
    kind: "image",
    name: "app",
    declaredIn: { file: "shipgraph.yaml" },
    owns: {
      dirs: [],
      files: [],
      globs: [],
      context: {
        dir,
        dockerignore,
        ...(patterns ? { sources: patterns.map((pattern) => ({ pattern, detail: `COPY ${pattern}` })) } : {}),
      },
    },
  };
}

describe("context sources", () => {
  const owners = createOwnerIndex([image("ctx", ["vendor/lib/src", "tools/*/bin", "conf.yaml"])], []);
  const owned = (path: string) => owners.ownersOf(path).length > 0;

  it("select the files they name and everything under them", () => {
    expect(owned("ctx/vendor/lib/src/a.c")).toBe(true);
    expect(owned("ctx/tools/gen/bin/run")).toBe(true);
    expect(owned("ctx/conf.yaml")).toBe(true);
    expect(owned("ctx/vendor/lib/README")).toBe(false);
    expect(owned("ctx/tools/gen/src/main.go")).toBe(false);
    expect(owned("other/vendor/lib/src/a.c")).toBe(false);
  });

  it("a changed path above a source counts: a submodule bump there changes the source", () => {
    expect(owned("ctx/vendor/lib")).toBe(true);
    expect(owned("ctx/vendor")).toBe(true);
    expect(owned("ctx/tools/gen")).toBe(true);
    expect(owned("ctx/tools")).toBe(true);
    expect(owned("ctx/vendor/other")).toBe(false);
    expect(owned("ctx/conf")).toBe(false);
  });

  it("an allowlist .dockerignore (* then !vendor/lib/src) does not hide a bump above the source", () => {
    const allow = ["*", "!vendor/lib/src"];
    const narrowed = createOwnerIndex([image("ctx", ["vendor/lib/src"], allow)], []);
    expect(narrowed.ownersOf("ctx/vendor/lib")).toEqual(["image:app"]);
    expect(narrowed.ownersOf("ctx/vendor/lib/src/a.c")).toEqual(["image:app"]);
    expect(narrowed.ownersOf("ctx/README.md")).toEqual([]);
    // the whole context (no sources): the directory holds a re-included path
    const whole = createOwnerIndex([image("ctx", undefined, allow)], []);
    expect(whole.ownersOf("ctx/vendor/lib")).toEqual(["image:app"]);
    expect(whole.ownersOf("ctx/vendor")).toEqual(["image:app"]);
    expect(whole.ownersOf("ctx/other")).toEqual([]);
    expect(whole.ownersOf("ctx/README.md")).toEqual([]);
  });

  it("a ** re-include (* then !**/src) may keep something under any directory: a bump there counts", () => {
    const whole = createOwnerIndex([image("ctx", undefined, ["*", "!**/src"])], []);
    expect(whole.ownersOf("ctx/vendor/lib")).toEqual(["image:app"]);
    const deeper = createOwnerIndex([image("ctx", undefined, ["*", "!vendor/**/src"])], []);
    expect(deeper.ownersOf("ctx/vendor/a/b")).toEqual(["image:app"]);
    expect(deeper.ownersOf("ctx/other/a")).toEqual([]);
  });
});
