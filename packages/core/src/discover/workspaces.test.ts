import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { prefetchWorkspaceManifests } from "./workspaces.js";

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
