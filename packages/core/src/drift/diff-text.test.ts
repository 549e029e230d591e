import { describe, expect, it } from "vitest";
import { unifiedDiff } from "./diff-text.js";

const lines = (n: number, f: (i: number) => string) =>
  `${Array.from({ length: n }, (_, i) => f(i)).join("\n")}\n`;

describe("unifiedDiff", () => {
  it("shows a small change as a unified diff", async () => {
    const before = lines(50, (i) => `line ${i}`);
    const after = before.replace("line 20\n", "line twenty\n");
    const diff = await unifiedDiff("gen/a.ts", Buffer.from(before), Buffer.from(after));
    expect(diff).toContain("--- a/gen/a.ts\tchecked in\n+++ b/gen/a.ts\tgenerated\n@@ -18,7 +18,7 @@");
    expect(diff).toContain("\n-line 20\n+line twenty\n");
  });

  it("a file rewritten throughout gets its first difference, not a diff that would take minutes", async () => {
    // every line but the first differs: Myers' diff is (lines × edit distance) = 25,000 × 50,000
    const before = lines(25_000, (i) => `n${i}=${(i * 7919) % 100_003}`);
    const after = lines(25_001, (i) => `n${i}=${(i * 7907) % 100_003}`);
    const diff = await unifiedDiff("gen/big.ts", Buffer.from(before), Buffer.from(after));
    expect(diff).toBe(
      [
        "--- a/gen/big.ts\tchecked in",
        "+++ b/gen/big.ts\tgenerated",
        "(too many changes to diff: 25000 lines checked in, 25001 generated; they differ from line 2 on)",
        "-n1=7919",
        "+n1=7907",
        "",
      ].join("\n"),
    );
  });

  it("a long diff is truncated; a short file against a long one shows the one line there is", async () => {
    const before = lines(10, (i) => `same ${i}`);
    const added = await unifiedDiff(
      "gen/c.ts",
      Buffer.from(before),
      Buffer.from(`${before}${lines(1000, (i) => `more ${i}`)}`),
    );
    expect(added).toContain("@@ -8,3 +8,1003 @@");
    expect(added).toContain("\n… diff truncated: 887 more lines\n");
    const emptied = await unifiedDiff(
      "gen/d.ts",
      Buffer.from(`${before}${lines(30_000, (i) => `more ${i}`)}`),
      Buffer.from(before),
    );
    expect(emptied.split("\n").slice(2)).toEqual([
      "(too many changes to diff: 30010 lines checked in, 10 generated; they differ from line 11 on)",
      "-more 0",
      "",
    ]);
  });
});
