import { describe, expect, it } from "vitest";
import { parseLockfile } from "./index.js";
import { fixtureText, loadFixture, nameVersion, thrownError } from "./testing.js";

const names = (closure: string[] | undefined) => closure?.map(nameVersion);

/** The npm 3 base fixture, edited as an object. */
function edited(edit: (packages: Record<string, Record<string, unknown>>) => void): string {
  const data = JSON.parse(fixtureText("npm3", "base")) as {
    packages: Record<string, Record<string, unknown>>;
  };
  edit(data.packages);
  return JSON.stringify(data);
}

describe("npm lockfiles", () => {
  it("resolves like Node: the nearest node_modules from the depending package up to the root", () => {
    const lockfile = loadFixture("npm3", "base");
    // packages/a/node_modules/debug@4.3.4 wins over the hoisted node_modules/debug@4.4.3 for a …
    expect(names(lockfile.dependencyClosure("packages/a", "debug"))).toEqual(["debug@4.3.4", "ms@2.1.2"]);
    // … while the root's plugin gets the hoisted one, and its ms@^2.1.3 the hoisted ms.
    expect(names(lockfile.externalClosure(""))).toEqual(expect.arrayContaining(["debug@4.4.3", "ms@2.1.3"]));
    expect(names(lockfile.externalClosure(""))).not.toContain("debug@4.3.4");
  });

  it("reads lockfileVersion 2 like 3", () => {
    const v2 = loadFixture("npm2", "base");
    const v3 = loadFixture("npm3", "base");
    expect(JSON.parse(fixtureText("npm2", "base")).lockfileVersion).toBe(2);
    for (const dir of ["", "packages/a", "packages/b", "packages/c"]) {
      expect(v2.externalClosure(dir), dir).toEqual(v3.externalClosure(dir));
    }
  });

  it("parses npm-shrinkwrap.json the same way", () => {
    const lockfile = parseLockfile("npm-shrinkwrap.json", fixtureText("npm3", "base"));
    expect(lockfile.kind).toBe("npm");
    expect(lockfile.externalClosure("packages/b")).toEqual(
      loadFixture("npm3", "base").externalClosure("packages/b"),
    );
  });

  it("follows a linked file: dir that is no workspace, not a workspace link", () => {
    const lockfile = loadFixture("npm3", "dirs");
    expect(names(lockfile.externalClosure("packages/b"))).toEqual([
      "local-lib@file:vendor/local-lib",
      "ms@2.1.2",
    ]);
    expect(lockfile.dependencyClosure("packages/b", "@fx/a")).toEqual([]);
  });

  it("honours negated workspace globs: an excluded dir is followed like any linked dir", () => {
    const text = JSON.stringify({
      lockfileVersion: 3,
      packages: {
        "": { workspaces: ["packages/*", "!packages/vendored"], dependencies: { v: "*" } },
        "node_modules/v": { resolved: "packages/vendored", link: true },
        "packages/vendored": { name: "v", dependencies: { ms: "2.1.3" } },
        "node_modules/ms": { version: "2.1.3", integrity: "sha512-ms" },
      },
    });
    expect(parseLockfile("package-lock.json", text).externalClosure("")).toEqual([
      "ms@2.1.3 sha512-ms",
      "v@file:packages/vendored",
    ]);
  });

  it("labels a git dependency by its resolved URL", () => {
    const text = edited((packages) => {
      const isNumber = packages["node_modules/is-number"]!;
      delete isNumber.integrity;
      isNumber.resolved = "git+ssh://git@github.com/jonschlinkert/is-number.git#98e8ff1";
    });
    expect(parseLockfile("package-lock.json", text).dependencyClosure("packages/a", "is-number")).toEqual([
      "is-number@7.0.0 git+ssh://git@github.com/jonschlinkert/is-number.git#98e8ff1",
    ]);
  });

  it("throws when a required dependency is not installed anywhere Node would look", () => {
    const text = edited((packages) => {
      delete packages["node_modules/is-number"];
    });
    const error = thrownError(() => parseLockfile("package-lock.json", text));
    expect(error.code).toBe("LOCKFILE_INVALID");
    expect(error.message).toContain("packages/a depends on is-number");
  });

  it("skips a peer that is not installed (optional, or --legacy-peer-deps)", () => {
    const text = edited((packages) => {
      packages["node_modules/debug"]!.peerDependencies = { "supports-color": "*" };
      packages["packages/a/node_modules/debug"]!.peerDependencies = { "not-installed": "*" };
    });
    const lockfile = parseLockfile("package-lock.json", text);
    expect(lockfile.externalClosure("packages/a")).toEqual(
      loadFixture("npm3", "base").externalClosure("packages/a"),
    );
    // supports-color is installed (for c), so the root's debug now resolves it.
    expect(names(lockfile.externalClosure(""))).toContain("supports-color@8.1.1");
  });

  it("refuses lockfileVersion 1 with a hint to regenerate", () => {
    const error = thrownError(() =>
      parseLockfile("package-lock.json", JSON.stringify({ lockfileVersion: 1, dependencies: {} })),
    );
    expect(error.code).toBe("LOCKFILE_INVALID");
    expect(error.hint).toContain("npm 7");
  });

  it("names the line of a JSON syntax error", () => {
    const error = thrownError(() =>
      parseLockfile("package-lock.json", '{\n  "lockfileVersion": 3,\n  oops\n}'),
    );
    expect(error.code).toBe("LOCKFILE_INVALID");
    expect(error.line).toBe(3);
  });
});
