import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { shipgraph } from "./helpers/cli.js";
import { gitRepo, projectRoot } from "./helpers/repo.js";

/**
 * A root lockfile change affects only the packages whose resolved dependencies changed, and a
 * generator only when its plugin resolves differently. The lockfiles are real ones written by
 * pnpm 9, npm 11, yarn 1 and yarn 4 (packages/core/src/lockfile/fixtures, regenerate.sh): "bumped" moves
 * packages/a's debug 4.3.4 → 4.3.5 and the root's @bufbuild/protoc-gen-es 2.2.0 → 2.2.1.
 */
const FIXTURES = join(projectRoot, "packages/core/src/lockfile/fixtures");

type Variant = "base" | "bumped" | "app-bumped";

function manifests(variant: Variant, workspace: string): Record<string, string> {
  const debug = variant === "base" ? "4.3.4" : "4.3.5";
  const es = variant === "bumped" ? "2.2.1" : "2.2.0";
  return {
    "package.json": JSON.stringify({
      name: "fx-root",
      private: true,
      workspaces: ["packages/*"],
      devDependencies: { ms: "2.1.3", "@bufbuild/protoc-gen-es": es, "@bufbuild/protobuf": es },
    }),
    "packages/a/package.json": JSON.stringify({
      name: "@fx/a",
      version: "0.1.0",
      dependencies: { debug, "is-number": "7.0.0" },
    }),
    "packages/b/package.json": JSON.stringify({
      name: "@fx/b",
      version: "0.1.0",
      dependencies: { "@fx/a": workspace, ms: "2.0.0" },
    }),
    "packages/c/package.json": JSON.stringify({
      name: "@fx/c",
      version: "0.1.0",
      dependencies: { debug: "4.3.4", "supports-color": "8.1.1", "ms-old": "npm:ms@2.0.0" },
      devDependencies: { "is-number": "^6.0.0" },
    }),
  };
}

const CONFIG = [
  "protos: { api: { path: proto } }",
  "generators:",
  "  es: { template: buf.gen.es.yaml }",
  "  c-gen: { template: buf.gen.c.yaml }",
  "images:",
  "  a: { context: packages/a }",
  "  c: { context: packages/c }",
  "",
].join("\n");

const CASES: [string, string, string][] = [
  ["pnpm", "pnpm-lock.yaml", "pnpm9"],
  ["npm", "package-lock.json", "npm3"],
  ["yarn (berry)", "yarn.lock", "yarn-berry"],
  ["yarn (classic)", "yarn.lock", "yarn1"],
];

function bumpRepo(lockfile: string, fixture: string, variant: Variant) {
  const workspace = fixture.startsWith("pnpm")
    ? "workspace:*"
    : fixture === "yarn-berry"
      ? "workspace:^"
      : "^0.1.0";
  const repo = gitRepo({
    ...manifests("base", workspace),
    ...(fixture.startsWith("pnpm") ? { "pnpm-workspace.yaml": "packages:\n  - packages/*\n" } : {}),
    [lockfile]: readFileSync(join(FIXTURES, fixture, "base", lockfile), "utf8"),
    "shipgraph.yaml": CONFIG,
    "proto/a.proto": 'syntax = "proto3";\npackage a;\nmessage A {}\n',
    "buf.yaml": "version: v2\nmodules:\n  - path: proto\n",
    "buf.gen.es.yaml": "version: v2\nplugins:\n  - local: protoc-gen-es\n    out: gen/es\n",
    "buf.gen.c.yaml": "version: v2\nplugins:\n  - local: [node, packages/c/gen.mjs]\n    out: gen/c\n",
    "packages/c/gen.mjs": "// an in-repo plugin: its dependencies are packages/c's\n",
    "packages/a/Dockerfile": "FROM node:22\nCOPY . .\n",
    "packages/c/Dockerfile": "FROM node:22\nCOPY . .\n",
  });
  repo.git("checkout", "-q", "-b", "renovate");
  repo
    .write({
      ...manifests(variant, workspace),
      [lockfile]: readFileSync(join(FIXTURES, fixture, variant, lockfile), "utf8"),
    })
    .commit(`renovate: ${variant}`);
  return repo;
}

interface LockReport {
  affected: Record<string, string[]>;
  reasons: Record<string, { cause: { rule: string; detail?: string } }>;
  notes: string[];
}

describe.each(CASES)("a %s lockfile bump", (_manager, lockfile, fixture) => {
  it("of a service's dependency affects that package (its image and dependents) and no generator", async () => {
    const repo = bumpRepo(lockfile, fixture, "app-bumped");
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    const report = run.json<LockReport>();
    expect(report.notes).toEqual([]);
    // packages/a's debug moved; @fx/b follows its workspace dependency; @fx/c and image c did not move
    expect(report.affected.package).toEqual(["@fx/a", "@fx/b"]);
    expect(report.affected.image).toEqual(["a"]);
    // neither protoc-gen-es nor the in-repo plugin's package resolves differently
    expect(report.affected.generator).toEqual([]);
    expect(report.reasons["package:@fx/a"]!.cause).toMatchObject({ rule: "lockfile" });
    expect(report.reasons["package:@fx/a"]!.cause.detail).toContain("+debug@4.3.5");
  });

  it("of protoc-gen-es as well affects the generator that runs it, not the one whose plugin did not move", async () => {
    const repo = bumpRepo(lockfile, fixture, "bumped");
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    const report = run.json<LockReport>();
    // the root's own protoc-gen-es moved: a package could use it without declaring it, and the
    // narrowing says that it does not count such a use
    expect(report.notes).toHaveLength(1);
    expect(report.notes[0]).toMatch(
      new RegExp(
        `^${lockfile}: the root's own dependencies resolve differently: \\+@bufbuild/protobuf@2\\.2\\.1.*under \`global\``,
      ),
    );
    expect(report.affected.package).toEqual(["@fx/a", "@fx/b"]);
    expect(report.affected.image).toEqual(["a"]);
    expect(report.affected.generator).toEqual(["es"]);
    expect(report.reasons["generator:es"]!.cause).toMatchObject({ rule: "lockfile" });
    expect(report.reasons["generator:es"]!.cause.detail).toContain(
      "@bufbuild/protoc-gen-es resolves differently",
    );
  });
});

describe("a lockfile shipgraph cannot read", () => {
  it("counts every package and generator, and says why", async () => {
    const repo = gitRepo({
      ...manifests("base", "workspace:*"),
      "pnpm-workspace.yaml": "packages:\n  - packages/*\n",
      "pnpm-lock.yaml": readFileSync(join(FIXTURES, "pnpm9", "base", "pnpm-lock.yaml"), "utf8"),
      "shipgraph.yaml": "images:\n  c: { context: packages/c }\n",
      "packages/c/Dockerfile": "FROM node:22\nCOPY . .\n",
    });
    repo.git("checkout", "-q", "-b", "broken");
    repo.write({ "pnpm-lock.yaml": "lockfileVersion: '9.0'\nimporters: [broken\n" }).commit();
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    const report = run.json<{ affected: Record<string, string[]>; notes: string[] }>();
    expect(report.affected.package).toEqual(["@fx/a", "@fx/b", "@fx/c"]);
    expect(report.affected.image).toEqual(["c"]);
    expect(report.notes.join("\n")).toContain("pnpm-lock.yaml changed and cannot be compared");
  });
});

describe("a pnpm catalog bump", () => {
  /** packages/a's debug from the default catalog; the catalog moves 4.3.4 → 4.3.5 with the lockfile. */
  /** A pnpm 9 fixture lockfile whose catalogs record debug at `debug` (as pnpm writes them). */
  const lockWithCatalog = (fixture: string, debug: string) =>
    readFileSync(join(FIXTURES, "pnpm9", fixture, "pnpm-lock.yaml"), "utf8").replace(
      "catalogs:\n  default:\n",
      `catalogs:\n  default:\n    debug:\n      specifier: ${debug}\n      version: ${debug}\n`,
    );
  function catalogRepo(headCatalog: string, headLocked = headCatalog) {
    const withCatalog = (variant: Variant) => {
      const files = manifests(variant, "workspace:*");
      const a = JSON.parse(files["packages/a/package.json"]!) as { dependencies: Record<string, string> };
      a.dependencies.debug = "catalog:";
      return { ...files, "packages/a/package.json": JSON.stringify(a) };
    };
    const repo = gitRepo({
      ...withCatalog("base"),
      "pnpm-workspace.yaml": "packages:\n  - packages/*\ncatalog:\n  debug: 4.3.4\n  ms: 2.0.0\n",
      "pnpm-lock.yaml": lockWithCatalog("base", "4.3.4"),
      "shipgraph.yaml": "unowned: ignore\n",
    });
    repo.git("checkout", "-q", "-b", "renovate");
    repo
      .write({
        "pnpm-workspace.yaml": `packages:\n  - packages/*\ncatalog:\n  debug: ${headCatalog}\n  ms: 2.0.0\n`,
        "pnpm-lock.yaml": lockWithCatalog("app-bumped", headLocked),
      })
      .commit("renovate: catalog");
    return repo;
  }

  it("affects the packages whose resolved dependencies changed, as for a package.json bump", async () => {
    const run = await shipgraph(catalogRepo("4.3.5").dir, ["affected", "--base", "main", "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json<LockReport>().affected.package).toEqual(["@fx/a", "@fx/b"]);
  });

  it("counts every package when pnpm-lock.yaml was not updated with the catalog (it resolved the old specifier)", async () => {
    const run = await shipgraph(catalogRepo("4.3.5", "4.3.4").dir, [
      "affected",
      "--base",
      "main",
      "--format",
      "json",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json<LockReport>().affected.package).toEqual(["@fx/a", "@fx/b", "@fx/c"]);
  });

  it("counts every package when a catalog entry is a local path (no closure shows what it installs)", async () => {
    const run = await shipgraph(catalogRepo("link:vendor/debug").dir, [
      "affected",
      "--base",
      "main",
      "--format",
      "json",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json<LockReport>().affected.package).toEqual(["@fx/a", "@fx/b", "@fx/c"]);
  });
});
