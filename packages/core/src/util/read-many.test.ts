import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readManyFiles } from "./read-many.js";

const roots: string[] = [];
afterAll(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "shipgraph-read-many-"));
  roots.push(root);
  return root;
}

describe("readManyFiles", () => {
  it("returns the bytes of each readable file, leaves out absent paths and directories", () => {
    const root = tempRoot();
    mkdirSync(join(root, "a/dir"), { recursive: true });
    writeFileSync(join(root, "a/one.json"), '{"name":"one"}');
    writeFileSync(join(root, "empty"), "");
    writeFileSync(join(root, "é.txt"), "ü\n");
    symlinkSync("one.json", join(root, "a/link.json"));
    const out = readManyFiles(root, ["a/one.json", "missing", "a/dir", "empty", "é.txt", "a/link.json"]);
    expect([...out.keys()]).toEqual(["a/one.json", "empty", "é.txt", "a/link.json"]);
    expect(out.get("a/one.json")!.toString("utf8")).toBe('{"name":"one"}');
    expect(out.get("empty")!.length).toBe(0);
    expect(out.get("é.txt")!.toString("utf8")).toBe("ü\n");
    expect(out.get("a/link.json")!.toString("utf8")).toBe('{"name":"one"}');
  });

  it("files larger than the buffer, and many files across its growth, keep their own bytes", () => {
    const root = tempRoot();
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, "x");
    big.write("start", 0);
    big.write("end", big.length - 3);
    const paths: string[] = [];
    for (let i = 0; i < 300; i++) {
      const path = `f${i}`;
      // ~5 KB each: 300 of them cross the first 1 MB buffer
      writeFileSync(join(root, path), `${i}:`.padEnd(5000, String(i % 10)));
      paths.push(path);
    }
    writeFileSync(join(root, "big"), big);
    const out = readManyFiles(root, [...paths.slice(0, 150), "big", ...paths.slice(150)]);
    expect(out.get("big")!.equals(big)).toBe(true);
    for (let i = 0; i < 300; i++) {
      expect(out.get(`f${i}`)!.toString("utf8")).toBe(`${i}:`.padEnd(5000, String(i % 10)));
    }
  });
});
