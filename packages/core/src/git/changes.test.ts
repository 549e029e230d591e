import { describe, expect, it } from "vitest";
import { mergeChanges, parseNameStatus } from "./changes.js";

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
});
