import { describe, expect, it } from "vitest";
import { parseLockfile } from "./index.js";
import { fixtureText, loadFixture, nameVersion, thrownError } from "./testing.js";

const names = (closure: string[] | undefined) => closure?.map(nameVersion);
const parse = (text: string) => parseLockfile("pnpm-lock.yaml", text);

/** A minimal v9 lockfile with one root dependency `dep` resolving to `version` (a snapshot key suffix included). */
function v9(version: string, packageKey: string, resolution: string): string {
  return [
    "lockfileVersion: '9.0'",
    "importers:",
    "  .:",
    "    dependencies:",
    "      dep:",
    "        specifier: x",
    `        version: ${version}`,
    "packages:",
    `  '${packageKey}':`,
    `    resolution: ${resolution}`,
    "snapshots:",
    `  '${packageKey}${version.includes("(") ? version.slice(version.indexOf("(")) : ""}': {}`,
    "",
  ].join("\n");
}

describe("pnpm lockfiles", () => {
  it("reads a non-workspace v6 lockfile: the root's fields are top-level", () => {
    const lockfile = loadFixture("pnpm8", "single");
    expect(names(lockfile.externalClosure(""))).toEqual([
      "debug@4.3.4",
      "is-number@7.0.0",
      "ms@2.0.0",
      "ms@2.1.2",
    ]);
    expect(names(lockfile.dependencyClosure("", "debug"))).toEqual(["debug@4.3.4", "ms@2.1.2"]);
  });

  it.each(["pnpm8", "pnpm9"] as const)(
    "%s: follows a file: dir that is no workspace, not an injected or linked workspace package",
    (manager) => {
      const lockfile = loadFixture(manager, "dirs");
      expect(names(lockfile.externalClosure("packages/b"))).toEqual([
        "local-lib@file:vendor/local-lib",
        "ms@2.1.2",
      ]);
      expect(lockfile.dependencyClosure("packages/b", "@fx/a")).toEqual([]);
      expect(names(lockfile.externalClosure("packages/a"))).toEqual(["is-number@7.0.0"]);
    },
  );

  it("uses the last YAML document when pnpm writes an env document first", () => {
    const env = [
      "lockfileVersion: '9.0'",
      "importers:",
      "  .:",
      "    packageManagerDependencies:",
      "      pnpm: {specifier: 11.0.0, version: 11.0.0}",
      "packages:",
      "  pnpm@11.0.0:",
      "    resolution: {integrity: sha512-x}",
      "snapshots:",
      "  pnpm@11.0.0: {}",
    ].join("\n");
    const base = loadFixture("pnpm9", "base");
    const both = parse(`---\n${env}\n---\n${fixtureText("pnpm9", "base")}`);
    for (const dir of ["", "packages/a", "packages/c"])
      expect(both.externalClosure(dir)).toEqual(base.externalClosure(dir));
  });

  // what pnpm 7, 8 and 9 write when a readPackage hook gives the file: package ext the workspace package b
  const hooked = {
    pnpm7: [
      "lockfileVersion: 5.4",
      "importers:",
      "  .:",
      "    specifiers: {}",
      "  packages/a:",
      "    specifiers:",
      "      ext: file:../../vendor/ext",
      "    dependencies:",
      "      ext: file:vendor/ext",
      "  packages/b:",
      "    specifiers: {}",
      "packages:",
      "  file:vendor/ext:",
      "    resolution: {directory: vendor/ext, type: directory}",
      "    name: ext",
      "    version: 1.0.0",
      "    dependencies:",
      "      b: link:packages/b",
      "    dev: false",
    ],
    pnpm8: [
      "lockfileVersion: '6.0'",
      "importers:",
      "  .: {}",
      "  packages/a:",
      "    dependencies:",
      "      ext:",
      "        specifier: file:../../vendor/ext",
      "        version: file:vendor/ext",
      "  packages/b: {}",
      "packages:",
      "  file:vendor/ext:",
      "    resolution: {directory: vendor/ext, type: directory}",
      "    name: ext",
      "    dependencies:",
      "      b: link:packages/b",
      "    dev: false",
    ],
    pnpm9: [
      "lockfileVersion: '9.0'",
      "importers:",
      "  .: {}",
      "  packages/a:",
      "    dependencies:",
      "      ext:",
      "        specifier: file:../../vendor/ext",
      "        version: file:vendor/ext",
      "  packages/b: {}",
      "packages:",
      "  ext@file:vendor/ext:",
      "    resolution: {directory: vendor/ext, type: directory}",
      "snapshots:",
      "  ext@file:vendor/ext:",
      "    dependencies:",
      "      b: link:packages/b",
    ],
  };
  it.each(Object.entries(hooked))(
    "%s: links names what a package's external packages link (from the root), which no closure holds",
    (_, lines) => {
      const lockfile = parse(`${lines.join("\n")}\n`);
      expect(lockfile.links?.("packages/a")).toEqual(["packages/b", "vendor/ext"]);
      expect(lockfile.links?.("packages/b")).toEqual([]);
      expect(lockfile.links?.("packages/x")).toBeUndefined();
      expect(names(lockfile.externalClosure("packages/a"))).toEqual(["ext@file:vendor/ext"]);
    },
  );

  it("links names the directories an importer's external packages install from (file:), which no closure digests", () => {
    const lockfile = parse(
      `${hooked.pnpm9.join("\n").replace("b: link:packages/b", "other: file:vendor/other")}\n  other@file:vendor/other: {}\n`.replace(
        "snapshots:",
        "  other@file:vendor/other:\n    resolution: {directory: vendor/other, type: directory}\nsnapshots:",
      ),
    );
    expect(lockfile.links?.("packages/a")).toEqual(["vendor/ext", "vendor/other"]);
    expect(names(lockfile.externalClosure("packages/a"))).toEqual([
      "ext@file:vendor/ext",
      "other@file:vendor/other",
    ]);
  });

  it("links names what an external package links several hops away, and only for the importers that reach it", () => {
    const lockfile = parse(
      [
        "lockfileVersion: '9.0'",
        "importers:",
        "  .: {}",
        "  packages/a:",
        "    dependencies:",
        "      x: {specifier: ^1, version: 1.0.0}",
        "  packages/c:",
        "    dependencies:",
        "      y: {specifier: ^1, version: 1.0.0}",
        "  packages/b: {}",
        "packages:",
        "  x@1.0.0: {resolution: {integrity: sha512-x}}",
        "  y@1.0.0: {resolution: {integrity: sha512-y}}",
        "  z@1.0.0: {resolution: {integrity: sha512-z}}",
        "snapshots:",
        "  x@1.0.0: {dependencies: {y: 1.0.0}}",
        "  y@1.0.0: {dependencies: {z: 1.0.0}}",
        "  z@1.0.0: {dependencies: {b: link:packages/b, x: 1.0.0}}",
        "",
      ].join("\n"),
    );
    expect(lockfile.links?.("packages/a")).toEqual(["packages/b"]);
    expect(lockfile.links?.("packages/c")).toEqual(["packages/b"]);
    expect(lockfile.links?.("packages/b")).toEqual([]);
  });

  it("links names an importer's own links (from its directory) and the workspace packages it injects", () => {
    const lockfile = loadFixture("pnpm9", "dirs");
    expect(lockfile.links?.("packages/b")).toEqual(["packages/a", "vendor/local-lib"]);
    expect(lockfile.links?.("packages/a")).toEqual([]);
  });

  it("keeps what comes before the project's document (pnpm 11+'s env document) to compare", () => {
    const doc = (version: string) =>
      `---\nlockfileVersion: '9.0'\nimporters:\n  .:\n    configDependencies:\n      p: {specifier: ^1, version: ${version}}\n---\n${fixtureText("pnpm9", "base")}`;
    expect(parse(doc("1.0.0")).env).toEqual(parse(doc("1.0.0")).env);
    expect(parse(doc("1.0.0")).env).not.toEqual(parse(doc("1.0.1")).env);
    expect(loadFixture("pnpm9", "base").env).toBeUndefined();
  });

  it("a different patch hash is a different package", () => {
    const patched = (hash: string) =>
      v9(`1.0.0(patch_hash=${hash})`, "dep@1.0.0", "{integrity: sha512-same}");
    expect(parse(patched("aaa")).externalClosure("")).toEqual(["dep@1.0.0(patch_hash=aaa) sha512-same"]);
    expect(parse(patched("aaa")).externalClosure("")).not.toEqual(parse(patched("bbb")).externalClosure(""));
  });

  it("labels a package without integrity by its resolution (git commit)", () => {
    const git = (commit: string) =>
      v9(
        `https://codeload.github.com/x/dep/tar.gz/${commit}`,
        `dep@https://codeload.github.com/x/dep/tar.gz/${commit}`,
        `{tarball: https://codeload.github.com/x/dep/tar.gz/${commit}}`,
      );
    const [label] = parse(git("abc123")).externalClosure("")!;
    expect(label).toContain("abc123");
    expect(parse(git("abc123")).externalClosure("")).not.toEqual(parse(git("def456")).externalClosure(""));
  });

  it("throws when a reference has no entry (a broken lockfile must not read as unchanged)", () => {
    const text = fixtureText("pnpm9", "base");
    const broken = text.replace("\n  ms@2.1.2: {}\n", "\n");
    expect(broken).not.toBe(text);
    const error = thrownError(() => parse(broken));
    expect(error.code).toBe("LOCKFILE_INVALID");
    expect(error.message).toContain("ms@2.1.2");
    expect(error.hint).toContain("pnpm install");
  });

  it("throws for a v6 package entry that is missing", () => {
    const text = fixtureText("pnpm8", "base");
    const broken = text.replace(/\n {2}\/is-number@7\.0\.0:\n(?: {4}.*\n)+/, "\n");
    expect(broken).not.toBe(text);
    expect(thrownError(() => parse(broken)).message).toContain("is-number@7.0.0");
  });

  it("refuses a lockfileVersion it does not know", () => {
    const text = fixtureText("pnpm9", "base").replace("lockfileVersion: '9.0'", "lockfileVersion: '10.0'");
    const error = thrownError(() => parse(text));
    expect(error.code).toBe("LOCKFILE_INVALID");
    expect(error.message).toContain("10.0");
  });

  it("names the line of a YAML syntax error", () => {
    const error = thrownError(() => parse("lockfileVersion: '9.0'\nimporters:\n  .: {dependencies: [\n"));
    expect(error.code).toBe("LOCKFILE_INVALID");
    expect(error.line).toBeGreaterThan(1);
  });
});
