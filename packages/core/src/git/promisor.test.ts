import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { blobIdsIn, hasPromisorPacks, missingFrom, promisorRemotes } from "./promisor.js";

const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);

describe("blobIdsIn", () => {
  it("reads ls-tree -r -z: blobs and links of the wanted paths; submodules and other paths not", () => {
    const out = [
      `100644 blob ${A}\tx.proto`,
      `120000 blob ${B}\tlink`,
      `160000 commit ${C}\tvendor/sub`,
      `100644 blob ${C}\tother.ts`,
      `100755 blob ${C}\tsp ace\tand tab`,
      "",
    ].join("\0");
    const wanted = new Set(["x.proto", "link", "vendor/sub", "sp ace\tand tab", "absent"]);
    expect(blobIdsIn(out, false, wanted)).toEqual(
      new Map([
        ["x.proto", A],
        ["link", B],
        ["sp ace\tand tab", C],
      ]),
    );
  });

  it("reads ls-files -s -z: stage 0 only", () => {
    const out = [`100644 ${A} 0\tx.proto`, `100644 ${B} 2\tconflict`, `100644 ${C} 3\tconflict`, ""].join(
      "\0",
    );
    expect(blobIdsIn(out, true, new Set(["x.proto", "conflict"]))).toEqual(new Map([["x.proto", A]]));
  });
});

describe("missingFrom", () => {
  it("counts an id rev-list leaves out (git 2.39, --ignore-missing) or prints as ?<id> (later git) as missing", () => {
    expect(missingFrom([A, B, C], `${A} \n`)).toEqual([B, C]);
    expect(missingFrom([A, B, C], `${A}\n?${B}\n`)).toEqual([B, C]);
    expect(missingFrom([A], `${A} \n`)).toEqual([]);
  });
});

describe("promisorRemotes", () => {
  it("lists the remotes marked promisor in config order, then the one extensions.partialClone names", () => {
    const config = [
      "extensions.partialclone origin",
      "remote.origin.promisor true",
      "remote.Mirror.promisor yes",
      "remote.off.promisor false",
      "remote.bare.promisor",
      "",
    ].join("\n");
    expect(promisorRemotes(config)).toEqual(["Mirror", "bare", "origin"]);
    expect(promisorRemotes("")).toEqual([]);
  });
});

describe("hasPromisorPacks", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  /** A fake repository: `.git/objects/pack` holding `packs`. */
  const repo = (packs: string[]) => {
    const root = mkdtempSync(join(tmpdir(), "shipgraph-promisor-"));
    dirs.push(root);
    mkdirSync(join(root, ".git/objects/pack"), { recursive: true });
    for (const pack of packs) writeFileSync(join(root, ".git/objects/pack", pack), "");
    return root;
  };

  it("is true when a pack is a promisor's, in the repository, a linked worktree's common directory, or an alternate", () => {
    const partial = repo(["pack-1.idx", "pack-1.pack", "pack-1.promisor"]);
    expect(hasPromisorPacks(partial, {})).toBe(true);
    expect(hasPromisorPacks(repo(["pack-1.idx", "pack-1.pack"]), {})).toBe(false);
    // a linked worktree: .git names its directory, whose commondir names the shared one
    const worktree = repo([]);
    rmSync(join(worktree, ".git"), { recursive: true });
    mkdirSync(join(partial, ".git/worktrees/wt"), { recursive: true });
    writeFileSync(join(partial, ".git/worktrees/wt/commondir"), "../..\n");
    writeFileSync(join(worktree, ".git"), `gitdir: ${join(partial, ".git/worktrees/wt")}\n`);
    expect(hasPromisorPacks(worktree, {})).toBe(true);
    // objects borrowed from a partial clone
    const borrowing = repo([]);
    mkdirSync(join(borrowing, ".git/objects/info"), { recursive: true });
    writeFileSync(join(borrowing, ".git/objects/info/alternates"), `${join(partial, ".git/objects")}\n`);
    expect(hasPromisorPacks(borrowing, {})).toBe(true);
    // GIT_OBJECT_DIRECTORY decides where the objects are
    expect(hasPromisorPacks(repo([]), { GIT_OBJECT_DIRECTORY: join(partial, ".git/objects") })).toBe(true);
    // no repository there: false (reads then fetch on demand, as git does)
    expect(hasPromisorPacks(join(partial, "nowhere"), {})).toBe(false);
  });
});
