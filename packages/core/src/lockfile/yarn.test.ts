import { describe, expect, it } from "vitest";
import { parseLockfile } from "./index.js";
import { fixtureText, loadFixture, nameVersion, thrownError } from "./testing.js";
import { parseYarnClassicText } from "./yarn-classic.js";

const names = (closure: string[] | undefined) => closure?.map(nameVersion);

function manifestsOf(variant: string): Map<string, Record<string, unknown>> {
  return new Map(
    Object.entries(JSON.parse(fixtureText("yarn1", variant, "manifests.json")) as Record<string, never>),
  );
}

describe("parseYarnClassicText", () => {
  it("reads multi-pattern headers, quoted and bare strings, and dependency blocks", () => {
    const text = [
      "# yarn lockfile v1",
      "",
      '"@scope/a@^1.0.0", @scope/a@~1.0.0, "a-alias@npm:@scope/a@1":',
      '  version "1.0.3"',
      "  integrity sha512-abc==",
      "  dependencies:",
      '    ms "^2.0.0"',
      '    "@scope/b" "1 || 2"',
      "  optionalDependencies:",
      "    fsevents ~2.3.1",
      "",
    ].join("\r\n");
    const [entry, ...rest] = parseYarnClassicText(text, "yarn.lock");
    expect(rest).toEqual([]);
    expect(entry!.patterns).toEqual(["@scope/a@^1.0.0", "@scope/a@~1.0.0", "a-alias@npm:@scope/a@1"]);
    expect(entry!.line).toBe(3);
    expect(Object.fromEntries(entry!.values)).toEqual({ version: "1.0.3", integrity: "sha512-abc==" });
    expect(Object.fromEntries(entry!.blocks.get("dependencies")!)).toEqual({
      ms: "^2.0.0",
      "@scope/b": "1 || 2",
    });
    expect(Object.fromEntries(entry!.blocks.get("optionalDependencies")!)).toEqual({ fsevents: "~2.3.1" });
  });

  it.each([
    ["a merge conflict marker", 'a@1:\n  version "1"\n<<<<<<< HEAD\n', 3],
    ["odd indentation", 'a@1:\n   version "1"\n', 2],
    ["a value line outside an entry", 'version "1"\n', 1],
    ["an unterminated string", 'a@1:\n  version "1\n', 2],
    ["a third level", "a@1:\n  dependencies:\n    b:\n", 3],
  ])("throws on %s, naming the line", (_what, body, line) => {
    const error = thrownError(() => parseYarnClassicText(`# yarn lockfile v1\n${body}`, "yarn.lock"));
    expect(error.code).toBe("LOCKFILE_INVALID");
    expect(error.line).toBe(line + 1);
  });
});

describe("yarn classic lockfiles", () => {
  it("needs the manifests: without them no importer is known", () => {
    const error = thrownError(() => parseLockfile("yarn.lock", fixtureText("yarn1", "base")));
    expect(error.code).toBe("LOCKFILE_INVALID");
    expect(error.hint).toContain("manifests");
  });

  it("throws when a manifest dependency has no entry (yarn.lock out of date)", () => {
    const manifests = manifestsOf("base");
    manifests.set("packages/b", { name: "@fx/b", dependencies: { ms: "^3.0.0" } });
    const error = thrownError(() => parseLockfile("yarn.lock", fixtureText("yarn1", "base"), manifests));
    expect(error.message).toContain("packages/b/package.json depends on ms@^3.0.0");
  });

  it("follows file: and link: dirs that are no workspace; yarn keys them relative to the root", () => {
    const lockfile = parseLockfile("yarn.lock", fixtureText("yarn1", "dirs"), manifestsOf("dirs"));
    expect(lockfile.externalClosure("packages/b")).toEqual([
      "linked@1.0.0 link:vendor/local-lib",
      "local-lib@1.0.0 file:vendor/local-lib",
      expect.stringMatching(/^ms@2\.1\.2 sha512-/),
    ]);
    expect(lockfile.dependencyClosure("packages/b", "@fx/a")).toEqual([]);
  });

  it("does not follow a file: dependency on a workspace dir", () => {
    const manifests = manifestsOf("dirs");
    manifests.set("vendor/local-lib", { name: "local-lib", dependencies: { ms: "2.1.2" } });
    const lockfile = parseLockfile("yarn.lock", fixtureText("yarn1", "dirs"), manifests);
    expect(lockfile.dependencyClosure("packages/b", "local-lib")).toEqual([]);
    expect(names(lockfile.dependencyClosure("packages/b", "linked"))).toEqual([]);
  });
});

describe("yarn berry lockfiles", () => {
  it("takes importers from the workspace entries, the root as ''", () => {
    const lockfile = loadFixture("yarn-berry", "base");
    expect(lockfile.kind).toBe("yarn");
    expect(names(lockfile.externalClosure(""))).toContain("ms@2.1.3");
    expect(lockfile.externalClosure("packages/nope")).toBeUndefined();
  });

  it("binds relative descriptors to the declaring workspace; a range resolved to a workspace is not followed", () => {
    const lockfile = loadFixture("yarn-berry", "dirs");
    const closure = lockfile.externalClosure("packages/b")!;
    expect(closure).toHaveLength(3);
    expect(closure[0]).toMatch(/^linked@link:\.\.\/\.\.\/vendor\/local-lib::locator=/);
    expect(closure[1]).toMatch(/^local-lib@file:\.\.\/\.\.\/vendor\/local-lib#.*::hash=\w+.* 10c0\//);
    expect(closure[2]).toMatch(/^ms@2\.1\.2 10c0\//);
    // "@fx/a": "npm:0.1.0" resolved to the workspace (transparent workspaces).
    expect(lockfile.dependencyClosure("packages/b", "@fx/a")).toEqual([]);
  });

  it("dependencyClosure takes a plugin's peers from the importer, which provides them", () => {
    const text = [
      "__metadata:",
      "  version: 8",
      '"app@workspace:.":',
      '  resolution: "app@workspace:."',
      "  dependencies:",
      '    plugin: "npm:1.0.0"',
      '    runtime: "npm:2.0.0"',
      '"plugin@npm:1.0.0":',
      '  resolution: "plugin@npm:1.0.0"',
      "  peerDependencies:",
      "    runtime: ^2",
      "  checksum: 8/plugin",
      '"runtime@npm:2.0.0":',
      '  resolution: "runtime@npm:2.0.0"',
      "  checksum: 8/runtime",
      "",
    ].join("\n");
    expect(parseLockfile("yarn.lock", text).dependencyClosure("", "plugin")).toEqual([
      "plugin@1.0.0 8/plugin",
      "runtime@2.0.0 8/runtime",
    ]);
  });

  it("throws when a descriptor has no entry", () => {
    const text = fixtureText("yarn-berry", "base");
    const broken = text.replace('"is-number@npm:7.0.0":', '"is-number@npm:7.0.1":');
    expect(broken).not.toBe(text);
    const error = thrownError(() => parseLockfile("yarn.lock", broken));
    expect(error.code).toBe("LOCKFILE_INVALID");
    expect(error.message).toContain("is-number@npm:7.0.0");
  });
});
