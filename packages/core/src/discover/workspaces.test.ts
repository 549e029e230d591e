import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { discoverWorkspaceOnDisk } from "./workspaces.js";

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

const pkg = (name: string, deps: Record<string, string> = {}) => JSON.stringify({ name, dependencies: deps });

describe("discoverWorkspaceOnDisk", () => {
  it("expands the workspace globs by reading directories, as pnpm does", async () => {
    const root = tree({
      "pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n  - 'apps/web'\n  - '!packages/skip'\n",
      "packages/a/package.json": pkg("a"),
      "packages/b/package.json": pkg("b", { a: "workspace:*" }),
      "packages/skip/package.json": pkg("skip"),
      "packages/no-manifest/index.ts": "",
      "packages/node_modules/x/package.json": pkg("x"),
      "apps/web/package.json": pkg("web", { b: "workspace:*" }),
      "apps/other/package.json": pkg("other"),
    });
    const workspace = await discoverWorkspaceOnDisk(root);
    expect(workspace?.packages.map((p) => [p.name, p.dir, p.dependencies])).toEqual([
      ["web", "apps/web", ["b"]],
      ["a", "packages/a", []],
      ["b", "packages/b", ["a"]],
    ]);
  });

  it("leaves a recursive glob to the git listing", async () => {
    const root = tree({
      "package.json": JSON.stringify({ name: "root", workspaces: ["packages/**"] }),
      "packages/a/package.json": pkg("a"),
    });
    expect(await discoverWorkspaceOnDisk(root)).toBeUndefined();
  });
});
