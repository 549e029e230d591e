import { describe, expect, it } from "vitest";
import { changedImporters, LOCKFILE_NAMES, type Lockfile, parseLockfile } from "./index.js";
import { type DependencyGraph, lockfileFromGraph, type PackageNode } from "./model.js";
import { type FixtureManager, loadFixture, nameVersion, thrownError } from "./testing.js";

const IMPORTERS = ["", "packages/a", "packages/b", "packages/c"];
const names = (closure: string[] | undefined) => closure?.map(nameVersion);

// The same workspace, locked by each package manager (fixtures/regenerate.sh).
describe.each<FixtureManager>(["pnpm7", "pnpm8", "pnpm9", "npm3", "yarn1", "yarn-berry"])(
  "%s lockfile",
  (manager) => {
    const base: Lockfile = loadFixture(manager, "base");
    const bumped: Lockfile = loadFixture(manager, "bumped");

    it("a's closure holds its direct deps and their transitive deps, nothing from b or c", () => {
      const closure = names(base.externalClosure("packages/a"));
      expect(closure).toEqual(expect.arrayContaining(["debug@4.3.4", "ms@2.1.2", "is-number@7.0.0"]));
      expect(closure).not.toContain("ms@2.0.0");
      expect(closure).not.toContain("is-number@6.0.0");
      expect(closure).not.toContain("@bufbuild/protoc-gen-es@2.2.0");
    });

    it("does not follow b's workspace dependency on a", () => {
      expect(names(base.externalClosure("packages/b"))).toEqual(["ms@2.0.0"]);
      expect(base.dependencyClosure("packages/b", "@fx/a")).toEqual([]);
    });

    it("counts devDependencies and resolves an alias to the real package", () => {
      const closure = names(base.externalClosure("packages/c"));
      expect(closure).toEqual(
        expect.arrayContaining(["is-number@6.0.0", "ms@2.0.0", "supports-color@8.1.1", "has-flag@4.0.0"]),
      );
      expect(closure).not.toContain("is-number@7.0.0");
    });

    it("labels every package with its checksum, sorted and unique", () => {
      const closure = base.externalClosure("")!;
      expect(closure.length).toBeGreaterThan(5);
      for (const label of closure) expect(label).toMatch(/^\S+@\S+ \S+$/);
      expect(closure).toEqual([...new Set(closure)].sort());
      const debug = base.externalClosure("packages/a")!.find((label) => label.startsWith("debug@4.3.4"));
      expect(debug).toMatch(manager === "yarn-berry" ? / 10c0\/cedbec45/ : / sha512-PRWFHuSU3eDtQJPvnNY7/);
    });

    it("bumping a's debug (and the root's plugin) changes the root and a only", () => {
      expect(changedImporters(base, bumped, IMPORTERS)).toEqual(["", "packages/a"]);
      expect(names(bumped.externalClosure("packages/a"))).toContain("debug@4.3.5");
      expect(changedImporters(base, loadFixture(manager, "base"), IMPORTERS)).toEqual([]);
    });

    it("dependencyClosure of the generator plugin is the plugin plus its own dependencies", () => {
      const plugin = names(base.dependencyClosure("", "@bufbuild/protoc-gen-es"));
      expect(plugin).toEqual(
        expect.arrayContaining([
          "@bufbuild/protoc-gen-es@2.2.0",
          "@bufbuild/protoplugin@2.2.0",
          "@typescript/vfs@1.6.6",
          "typescript@5.4.5",
        ]),
      );
      expect(plugin).toEqual(expect.arrayContaining(["debug@4.4.3", "ms@2.1.3"])); // via @typescript/vfs
      expect(plugin).not.toContain("debug@4.3.4"); // a's, not the plugin's
      expect(base.dependencyClosure("", "@bufbuild/protoc-gen-es")).not.toEqual(
        bumped.dependencyClosure("", "@bufbuild/protoc-gen-es"),
      );
      expect(base.dependencyClosure("", "ms")).toEqual(bumped.dependencyClosure("", "ms"));
    });

    it("dependencyClosure of a's debug includes debug's own dependency", () => {
      expect(names(base.dependencyClosure("packages/a", "debug"))).toEqual(
        expect.arrayContaining(["debug@4.3.4", "ms@2.1.2"]),
      );
      expect(names(base.dependencyClosure("packages/a", "debug"))).not.toContain("is-number@7.0.0");
    });

    it("answers undefined for an unknown importer or a dependency the importer does not have", () => {
      expect(base.externalClosure("packages/nope")).toBeUndefined();
      expect(base.dependencyClosure("packages/a", "ms-old")).toBeUndefined();
      expect(base.dependencyClosure("packages/nope", "debug")).toBeUndefined();
    });

    it("reads an importer dir written with ./ or a trailing slash", () => {
      expect(base.externalClosure("./packages/a/")).toEqual(base.externalClosure("packages/a"));
      expect(base.externalClosure(".")).toEqual(base.externalClosure(""));
      expect(base.externalClosure(".")).toBeDefined();
    });
  },
);

describe("the generator plugin", () => {
  it("its closure holds the runtime it generates code for (a dependency and a peer)", () => {
    for (const manager of ["pnpm9", "npm3", "yarn-berry"] as const) {
      const closure = names(loadFixture(manager, "base").dependencyClosure("", "@bufbuild/protoc-gen-es"));
      expect(closure, manager).toContain("@bufbuild/protobuf@2.2.0");
    }
  });
});

describe("parseLockfile", () => {
  it.each(LOCKFILE_NAMES)("garbage %s throws LOCKFILE_INVALID naming the file", (file) => {
    const error = thrownError(() => parseLockfile(file, "{ this is: [not a lockfile", new Map()));
    expect(error.code).toBe("LOCKFILE_INVALID");
    expect(error.file).toBe(file);
    expect(error.message).toContain(file);
    expect(error.hint).toBeTruthy();
  });

  it.each(LOCKFILE_NAMES)("well-formed text that is not a %s throws too", (file) => {
    const text = file.endsWith(".json") ? '{"name": "x"}' : "name: x\n";
    expect(thrownError(() => parseLockfile(file, text, new Map())).code).toBe("LOCKFILE_INVALID");
  });

  it("rejects a file name it does not know", () => {
    const error = thrownError(() => parseLockfile("bun.lockb", ""));
    expect(error.code).toBe("LOCKFILE_INVALID");
    expect(error.hint).toContain("pnpm-lock.yaml");
  });
});

describe("changedImporters", () => {
  const base = loadFixture("pnpm9", "base");

  it("reports every importer when there was no lockfile before", () => {
    expect(changedImporters(undefined, base, ["packages/b", "packages/a"])).toEqual([
      "packages/b",
      "packages/a",
    ]);
  });

  it("reports an importer either side does not know: unknown is not unchanged", () => {
    expect(changedImporters(base, base, ["packages/a", "packages/nope"])).toEqual(["packages/nope"]);
  });

  it("an importer is unchanged only if nothing it reaches changed: a label, dependencies or links deep down", () => {
    // a → x → y → z; b → w; c → x too; d → link:packages/e (a workspace link)
    const model = (nodes: Record<string, Partial<PackageNode> & { label: string }>): Lockfile => {
      const graph: DependencyGraph = {
        nodes: new Map(Object.entries(nodes).map(([id, n]) => [id, { deps: [], peers: [], ...n }])),
        importers: new Map([
          ["packages/a", [{ name: "x", node: "x" }]],
          ["packages/b", [{ name: "w", node: "w" }]],
          ["packages/c", [{ name: "x", node: "x" }]],
          ["packages/d", [{ name: "e", node: undefined }]],
        ]),
        importerLinks: new Map([["packages/d", ["packages/e"]]]),
      };
      return lockfileFromGraph("pnpm", "pnpm-lock.yaml", graph);
    };
    const nodes = {
      x: { label: "x@1", deps: ["y"] },
      y: { label: "y@1", deps: ["z"] },
      z: { label: "z@1" },
      z2: { label: "z@2" },
      w: { label: "w@1" },
    };
    const dirs = ["packages/a", "packages/b", "packages/c", "packages/d"];
    expect(changedImporters(model(nodes), model(nodes), dirs)).toEqual([]);
    // y now depends on another, already locked, z: same labels for x and y
    expect(
      changedImporters(model(nodes), model({ ...nodes, y: { label: "y@1", deps: ["z2"] } }), dirs),
    ).toEqual(["packages/a", "packages/c"]);
    // z re-published: a new checksum in its label
    expect(changedImporters(model(nodes), model({ ...nodes, z: { label: "z@1 sha-2" } }), dirs)).toEqual([
      "packages/a",
      "packages/c",
    ]);
    // a hook makes y link a directory
    expect(
      changedImporters(
        model(nodes),
        model({ ...nodes, y: { label: "y@1", deps: ["z"], links: ["vendor/v"] } }),
        dirs,
      ),
    ).toEqual(["packages/a", "packages/c"]);
    // listed in another order, or an unreached node changed: the same
    const reordered = Object.fromEntries(Object.entries(nodes).reverse());
    expect(changedImporters(model(nodes), model({ ...reordered, z2: { label: "z@2 sha-2" } }), dirs)).toEqual(
      [],
    );
  });

  it("compares across lockfile formats by label, so a migration reports the packages", () => {
    expect(changedImporters(loadFixture("pnpm8", "base"), base, ["packages/b"])).toEqual([]);
    expect(changedImporters(loadFixture("npm3", "base"), base, ["packages/a"])).toEqual(["packages/a"]);
  });
});
