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

describe("local dependencies", () => {
  const pkg = (name: string, dir: string, local: { path: string; via: string }[]): GraphNode => ({
    id: `package:${name}`,
    kind: "package",
    name,
    declaredIn: { file: `${dir}/package.json` },
    owns: { dirs: [dir], files: [], globs: [], local },
    package: { dir, manifest: `${dir}/package.json` },
  });
  const owners = createOwnerIndex(
    [
      pkg("a", "packages/a", [
        { path: "vendor/foo", via: "a: foo" },
        { path: "vendor/t.tgz", via: "a: t" },
      ]),
      pkg("b", "packages/b", [{ path: "vendor/foo", via: "b: foo" }]),
      pkg("foo", "vendor/foo/sub", []),
    ],
    [],
  );

  it("every package installing a directory owns its files, beside the package that holds them", () => {
    expect(owners.ownersOf("vendor/foo/index.js")).toEqual(["package:a", "package:b"]);
    expect(owners.ownersOf("vendor/foo/sub/x.js")).toEqual(["package:a", "package:b", "package:foo"]);
    expect(owners.ownersOf("vendor/foo")).toEqual(["package:a", "package:b"]);
    expect(owners.ownersOf("vendor/t.tgz")).toEqual(["package:a"]);
    expect(owners.ownersOf("vendor/foobar/x.js")).toEqual([]);
    expect(owners.ownersOf("vendor/x.js")).toEqual([]);
  });

  it("says through which entry a package installs a path, and nothing for its own files", () => {
    expect(owners.localDependencyVia("package:b", "vendor/foo/index.js")).toBe("b: foo");
    expect(owners.localDependencyVia("package:a", "vendor/t.tgz")).toBe("a: t");
    expect(owners.localDependencyVia("package:foo", "vendor/foo/sub/x.js")).toBeUndefined();
    expect(owners.localDependencyVia("package:a", "packages/a/index.js")).toBeUndefined();
  });
});
