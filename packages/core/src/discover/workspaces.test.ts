import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import fc from "fast-check";
import micromatch from "micromatch";
import { afterAll, describe, expect, it } from "vitest";
import type { RepoSnapshot } from "../repo/snapshot.js";
import { holdsAny } from "../util/paths.js";
import { compareStrings } from "../util/sort.js";
import {
  discoverWorkspace,
  localSpecPath,
  matchesStarGlob,
  prefetchWorkspaceManifests,
  resolveLocalPath,
  starGlobPrefix,
} from "./workspaces.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "shipgraph-ws-"));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe("prefetchWorkspaceManifests", () => {
  it("reads the manifests plain and single-segment globs reach, one readdir per level", () => {
    const root = tree({
      "pnpm-workspace.yaml":
        "packages:\n  - 'packages/*'\n  - 'apps/web'\n  - 'tools/@(a|b)'\n  - 'libs/**'\n",
      "packages/a/package.json": "{}",
      "packages/node_modules/x/package.json": "{}",
      "apps/web/package.json": "{}",
      "tools/a/package.json": "{}",
      "libs/deep/x/package.json": "{}",
    });
    expect([...prefetchWorkspaceManifests(root).keys()].sort()).toEqual([
      "apps/web/package.json",
      "packages/a/package.json",
      "pnpm-workspace.yaml",
    ]);
  });

  it("reads package.json workspaces too, and nothing more when the file is broken", () => {
    const root = tree({
      "package.json": JSON.stringify({ workspaces: { packages: ["pkgs/*"] } }),
      "pkgs/one/package.json": "{}",
    });
    expect([...prefetchWorkspaceManifests(root).keys()].sort()).toEqual([
      "package.json",
      "pkgs/one/package.json",
    ]);
    const broken = tree({ "pnpm-workspace.yaml": "packages: [", "pkgs/one/package.json": "{}" });
    expect([...prefetchWorkspaceManifests(broken).keys()]).toEqual(["pnpm-workspace.yaml"]);
  });
});

/** A commit-like snapshot of `files` (manifests given as objects), in memory. */
function snapshotOf(files: Record<string, string | object>): RepoSnapshot {
  const texts = new Map(
    Object.entries(files).map(([path, v]) => [path, typeof v === "string" ? v : JSON.stringify(v)] as const),
  );
  const read = async (paths: readonly string[]) =>
    new Map(paths.flatMap((path) => (texts.has(path) ? [[path, texts.get(path)!] as const] : [])));
  const sorted = [...texts.keys()].sort(compareStrings);
  return {
    rev: "0".repeat(40),
    files: sorted,
    read,
    readBytes: async (paths) =>
      new Map([...(await read(paths))].map(([path, text]) => [path, Buffer.from(text)] as const)),
    blobIds: async () => new Map(),
    symlinks: async () => new Map(),
    executables: async () => new Set(),
    empty: async (paths) => new Set(paths.filter((path) => !holdsAny(sorted, path))),
  };
}

describe("localSpecPath", () => {
  it.each([
    ["file:../../vendor/foo", "../../vendor/foo"],
    ["file:vendor/x.tgz", "vendor/x.tgz"],
    ["file:///opt/x", "/opt/x"],
    ["link:../x", "../x"],
    ["portal:../x", "../x"],
    ["workspace:../x", "../x"],
    ["./x", "./x"],
    ["../x", "../x"],
    ["/opt/x", "/opt/x"],
    ["~/x", "~/x"],
  ])("%s is the path %s", (spec, path) => {
    expect(localSpecPath(spec)).toBe(path);
  });

  it.each([
    "^1.0.0",
    "~1.2.3",
    "workspace:*",
    "workspace:^",
    "workspace:@s/b@*",
    "npm:left-pad@1",
    "link",
    "github:a/b",
    "git+file:../x",
    "patch:x@npm:1#./p.patch",
    "",
  ])("%s is not a local path", (spec) => {
    expect(localSpecPath(spec)).toBeUndefined();
  });
});

describe("resolveLocalPath", () => {
  it("resolves from the declaring package's directory; outside the repository or absolute is undefined", () => {
    expect(resolveLocalPath("packages/a", "../../vendor/foo")).toBe("vendor/foo");
    expect(resolveLocalPath("packages/a", "./lib/")).toBe("packages/a/lib");
    expect(resolveLocalPath("packages/a", "..\\b")).toBe("packages/b");
    expect(resolveLocalPath("", "vendor/x.tgz")).toBe("vendor/x.tgz");
    expect(resolveLocalPath("packages/a", "../..")).toBe("");
    expect(resolveLocalPath("packages/a", "../../../x")).toBeUndefined();
    expect(resolveLocalPath("", "..")).toBeUndefined();
    expect(resolveLocalPath("packages/a", "/opt/x")).toBeUndefined();
    expect(resolveLocalPath("packages/a", "~/x")).toBeUndefined();
    expect(resolveLocalPath("packages/a", "C:\\x")).toBeUndefined();
  });
});

describe("discoverWorkspace: local-path dependencies", () => {
  const workspace = { "pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n" };

  it("a directory that is not a workspace package is a local dependency, with the entry that names it", async () => {
    const { packages, warnings } = await discoverWorkspace(
      snapshotOf({
        ...workspace,
        "packages/a/package.json": {
          name: "a",
          dependencies: { foo: "file:../../vendor/foo" },
          devDependencies: { t: "file:../../vendor/t.tgz", l: "link:../../tools/l" },
        },
        "vendor/foo/package.json": { name: "foo" },
        "vendor/t.tgz": "tar",
        "tools/l/index.js": "1",
      }),
    );
    expect(warnings).toEqual([]);
    expect(packages[0]).toEqual({
      name: "a",
      dir: "packages/a",
      manifest: "packages/a/package.json",
      dependencies: [],
      bins: [],
      localDependencies: [
        { path: "tools/l", via: "packages/a/package.json devDependencies.l: link:../../tools/l" },
        { path: "vendor/foo", via: "packages/a/package.json dependencies.foo: file:../../vendor/foo" },
        { path: "vendor/t.tgz", via: "packages/a/package.json devDependencies.t: file:../../vendor/t.tgz" },
      ],
    });
  });

  it("a workspace package's directory is a dependency on that package, whatever name it is installed as", async () => {
    const { packages } = await discoverWorkspace(
      snapshotOf({
        ...workspace,
        "packages/a/package.json": {
          name: "a",
          // "b" by path under another name; "c" by name but from somewhere else
          dependencies: { bee: "file:../b", c: "file:../../vendor/c", self: "link:." },
        },
        "packages/b/package.json": { name: "b" },
        "packages/c/package.json": { name: "c" },
        "vendor/c/package.json": { name: "c" },
      }),
    );
    expect(packages.find((p) => p.name === "a")).toMatchObject({
      dependencies: ["b"],
      localDependencies: [{ path: "vendor/c" }],
    });
  });

  it("a local dependency's own local dependencies count, through workspace packages too, and a cycle ends", async () => {
    const { packages, warnings } = await discoverWorkspace(
      snapshotOf({
        ...workspace,
        "packages/a/package.json": { name: "a", dependencies: { foo: "file:../../vendor/foo" } },
        "packages/b/package.json": { name: "b" },
        "vendor/foo/package.json": {
          name: "foo",
          dependencies: { bar: "file:../bar", b: "link:../../packages/b" },
        },
        "vendor/bar/package.json": { name: "bar", dependencies: { foo: "file:../foo" } },
      }),
    );
    expect(warnings).toEqual([]);
    expect(packages.find((p) => p.name === "a")).toMatchObject({
      dependencies: ["b"],
      localDependencies: [
        {
          path: "vendor/bar",
          via: "packages/a/package.json dependencies.foo: file:../../vendor/foo → vendor/foo/package.json dependencies.bar: file:../bar",
        },
        { path: "vendor/foo", via: "packages/a/package.json dependencies.foo: file:../../vendor/foo" },
      ],
    });
  });

  it("warns, naming the manifest and key, about a path it cannot track: outside, absolute, or holding nothing", async () => {
    const { packages, warnings } = await discoverWorkspace(
      snapshotOf({
        ...workspace,
        "packages/a/package.json": {
          name: "a",
          dependencies: { out: "file:../../../x", abs: "link:/opt/x", dist: "file:../../dist/x" },
        },
        "vendor/foo/package.json": { name: "foo", dependencies: { up: "../../.." } },
        "packages/b/package.json": { name: "b", dependencies: { foo: "../../vendor/foo" } },
      }),
    );
    expect(warnings.sort(compareStrings)).toEqual([
      'packages/a/package.json: dependencies.abs uses "link:/opt/x", an absolute path: shipgraph cannot see a change there, so none affects anything',
      'packages/a/package.json: dependencies.dist uses "file:../../dist/x", and no tracked file is at dist/x: a change to what makes it affects nothing through it (add the files it is made from to the package\'s `inputs`)',
      'packages/a/package.json: dependencies.out uses "file:../../../x", a path outside the repository: shipgraph cannot see a change there, so none affects anything',
      'vendor/foo/package.json: dependencies.up uses "../../..", a path outside the repository: shipgraph cannot see a change there, so none affects anything',
    ]);
    // the path is still an input: the working tree may make it, and a later commit may track it
    expect(packages[0]!.localDependencies).toEqual([
      { path: "dist/x", via: "packages/a/package.json dependencies.dist: file:../../dist/x" },
    ]);
  });
});

describe("workspace globs of the form dir/*", () => {
  it("are recognised only when the directory part is plain names", () => {
    expect(starGlobPrefix("packages/*")).toBe("packages/");
    expect(starGlobPrefix("apps/web-2/*")).toBe("apps/web-2/");
    for (const glob of [
      "*",
      "packages/**",
      "packages/*/x",
      "packages/a*",
      ".hidden/*",
      "a/{b,c}/*",
      "a//*",
      "a.b/*",
    ])
      expect(starGlobPrefix(glob)).toBeUndefined();
  });

  it("match exactly what micromatch matches", () => {
    const glob = fc.constantFrom("packages/*", "apps/web/*", "a/*");
    const dir = fc
      .array(
        fc.constantFrom(
          "a",
          "b",
          "/",
          ".",
          "*",
          "\n",
          "\r",
          "\u2028",
          " ",
          "\u00e9",
          "packages",
          "apps",
          "web",
        ),
        {
          maxLength: 8,
        },
      )
      .map((parts) => parts.join(""));
    fc.assert(
      fc.property(glob, dir, (g, d) => {
        const expected = micromatch.matcher(g, { dot: false, ignore: [] })(d);
        expect(matchesStarGlob(d, starGlobPrefix(g)!)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
    for (const d of [
      "packages/x",
      "packages/.x",
      "packages/",
      "packages//",
      "packages/x/",
      "packages/x/y",
      "packages/*",
    ])
      expect(matchesStarGlob(d, "packages/")).toBe(micromatch.isMatch(d, "packages/*", { dot: false }));
  });
});
