import { describe, expect, it } from "vitest";
import { mergeChanges, parseNameStatus, parseRawDiff } from "./changes.js";

describe("parseNameStatus", () => {
  it("reads -z output: renames count both paths, deletions count, odd names survive", () => {
    const out = [
      "M",
      "a.ts",
      "R087",
      "old/x.ts",
      "new/x.ts",
      "D",
      "gone\nline.ts",
      "A",
      "sp ace.ts",
      "C100",
      "s.ts",
      "t.ts",
      "T",
      "link",
      "",
    ].join("\0");
    expect(parseNameStatus(out)).toEqual([
      { path: "a.ts", status: "modified" },
      { path: "old/x.ts", status: "deleted", from: "new/x.ts" },
      { path: "new/x.ts", status: "renamed", from: "old/x.ts" },
      { path: "gone\nline.ts", status: "deleted" },
      { path: "sp ace.ts", status: "added" },
      { path: "t.ts", status: "copied", from: "s.ts" },
      { path: "link", status: "type-changed" },
    ]);
  });

  it("reads --raw -z output alike, each change's kind from its modes (a gitlink on either side: a submodule)", () => {
    const oid = (c: string) => c.repeat(40);
    const out = [
      `:100644 100644 ${oid("a")} ${oid("b")} M`,
      "a.ts",
      `:100644 100755 ${oid("a")} ${oid("c")} R087`,
      "old/x.ts",
      "new/x.ts",
      `:160000 160000 ${oid("d")} ${oid("e")} M`,
      "vendor/lib",
      `:000000 160000 ${oid("0")} ${oid("e")} A`,
      "vendor/new",
      `:100644 000000 ${oid("a")} ${oid("0")} D`,
      "gone\nline.ts",
      `:120000 100644 ${oid("a")} ${oid("f")} T`,
      "link",
      "",
    ].join("\0");
    expect(parseRawDiff(out)).toEqual([
      { path: "a.ts", status: "modified", kind: "file" },
      { path: "old/x.ts", status: "deleted", from: "new/x.ts", kind: "file" },
      { path: "new/x.ts", status: "renamed", from: "old/x.ts", kind: "file" },
      { path: "vendor/lib", status: "modified", kind: "submodule" },
      { path: "vendor/new", status: "added", kind: "submodule" },
      { path: "gone\nline.ts", status: "deleted", kind: "file" },
      { path: "link", status: "type-changed", kind: "link" },
    ]);
  });

  it("merges lists: one entry per path, sorted by byte order", () => {
    expect(
      mergeChanges(
        [{ path: "b", status: "modified" }],
        [
          { path: "B", status: "added" },
          { path: "b", status: "deleted" },
        ],
      ),
    ).toEqual([
      { path: "B", status: "added" },
      { path: "b", status: "modified" },
    ]);
  });

  it("merges kinds: a path a file in one list and a link, a submodule or unknown in another is not a file", () => {
    const file = { path: "vendor", status: "modified", kind: "file" } as const;
    expect(mergeChanges([file], [{ ...file, kind: "link" }])).toEqual([{ ...file, kind: "link" }]);
    expect(mergeChanges([file], [{ ...file, kind: "submodule" }], [{ ...file, kind: "link" }])).toEqual([
      { ...file, kind: "submodule" },
    ]);
    expect(mergeChanges([file], [{ path: "vendor", status: "untracked" }])).toEqual([
      { path: "vendor", status: "modified" },
    ]);
    expect(mergeChanges([file], [{ ...file, status: "deleted" }])).toEqual([file]);
  });
});
