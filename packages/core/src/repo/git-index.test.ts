import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { type IndexEntry, indexPath, parseGitIndex, pathSelector, readGitIndex } from "./git-index.js";

// Real repositories, compared with what git itself lists.

const created: string[] = [];
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** No GIT_* from the outside (a hook's GIT_DIR, say), no user or system config. */
const GIT_ENV: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("GIT_"))),
  GIT_AUTHOR_NAME: "shipgraph test",
  GIT_AUTHOR_EMAIL: "test@shipgraph.invalid",
  GIT_COMMITTER_NAME: "shipgraph test",
  GIT_COMMITTER_EMAIL: "test@shipgraph.invalid",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

function git(dir: string, ...args: string[]): string {
  return gitBytes(dir, ...args).toString("utf8");
}

function gitBytes(dir: string, ...args: string[]): Buffer {
  return execFileSync("git", args, {
    cwd: dir,
    env: GIT_ENV,
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 1 << 28,
  });
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "shipgraph-git-index-"));
  created.push(dir);
  return dir;
}

function write(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

/** A repository on branch main with `files` committed (if any). */
function repo(files: Record<string, string> = {}, init: string[] = []): string {
  const dir = tempDir();
  git(dir, "init", "-q", "--initial-branch=main", ...init);
  write(dir, files);
  if (Object.keys(files).length > 0) commitAll(dir);
  return dir;
}

function commitAll(dir: string, message = "change"): void {
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "--allow-empty", "-m", message);
}

/** `git ls-files -t -s -z [-- pathspecs]`, parsed ("S " tags skip-worktree entries). */
function gitListing(dir: string, pathspecs: readonly string[] = []): IndexEntry[] {
  const out = gitBytes(
    dir,
    "ls-files",
    "-t",
    "-s",
    "-z",
    ...(pathspecs.length > 0 ? ["--", ...pathspecs] : []),
  );
  const records = out.toString("utf8").split("\0");
  expect(records.pop()).toBe("");
  return records.map((record) => {
    const tab = record.indexOf("\t");
    const [tag, mode, oid, stage] = record.slice(0, tab).split(" ");
    return {
      path: record.slice(tab + 1),
      mode: Number.parseInt(mode!, 8),
      oid: oid!,
      stage: Number(stage) as IndexEntry["stage"],
      skipWorktree: tag === "S",
    };
  });
}

const SELECTION = { fileNames: ["package.json"], extensions: [".proto"], literals: ["some/dir"] };
const PATHSPECS = [":(glob)**/package.json", ":(glob)**/*.proto", ":(literal)some/dir"];

function indexBytes(dir: string): Buffer {
  return readFileSync(indexPath(dir, {})!);
}

function indexVersion(dir: string): number {
  return indexBytes(dir).readUInt32BE(4);
}

/** The index of `dir` read here equals git's listing: everything, the selection, and across window sizes. */
function expectSameAsGit(dir: string, hashSize: 20 | 32 = 20): IndexEntry[] {
  const all = gitListing(dir);
  expect(all.length).toBeGreaterThan(0);
  expect(readGitIndex(dir, {}, () => true)).toEqual(all);
  const selected = gitListing(dir, PATHSPECS);
  expect(readGitIndex(dir, {}, pathSelector(SELECTION))).toEqual(selected);
  const bytes = indexBytes(dir);
  for (const windowBytes of [64, 97, 1000, 4096]) {
    expect(parseGitIndex(bytes, () => true, hashSize, windowBytes)).toEqual(all);
    expect(parseGitIndex(bytes, pathSelector(SELECTION), hashSize, windowBytes)).toEqual(selected);
  }
  return all;
}

const FIXTURE: Record<string, string> = {
  "package.json": "{}",
  "a/package.json": "{}",
  "a/b/package.json": '{"b":1}',
  "a/xpackage.json": "{}",
  "a/package.json.bak": "{}",
  "a/package.jsonx/f": "f",
  "x.proto": "syntax",
  "p/q/r.proto": "syntax r",
  "p/.proto": "dot",
  "p/proto": "no dot",
  "p/y.proto.txt": "not proto",
  "some/dir/f": "f",
  "some/dir/g/h.txt": "h",
  "some/dirx/f": "x",
  "some/di": "di",
  "some/dir.txt": "txt",
  "é/ü.proto": "utf8",
  "日本/package.json": "{}",
  "a b/package.json": "{}",
  "sp ace.txt": "space",
  "new\nline.proto": "newline",
  "tab\tname.txt": "tab",
  'quote"d.txt': "quote",
  "back\\slash.txt": "backslash",
  "run.sh": "#!/bin/sh\n",
};

/** The fixture plus a symlink, an executable, a gitlink and a file whose name is not UTF-8. */
function fixtureRepo(init: string[] = []): string {
  const dir = repo(FIXTURE, init);
  symlinkSync("x.proto", join(dir, "link.proto"));
  chmodSync(join(dir, "run.sh"), 0o755);
  writeFileSync(Buffer.from(`${dir}/latin1-\xe9.proto`, "latin1"), "latin1");
  git(dir, "add", "-A");
  const head = git(dir, "rev-parse", "HEAD").trim();
  git(dir, "update-index", "--add", "--cacheinfo", `160000,${head},some/dir/sub`);
  git(dir, "commit", "-q", "-m", "more"); // not add -A: no directory some/dir/sub to keep the gitlink
  return dir;
}

/** Paths far longer than a file system takes (they only need to be in the index). */
function addLongPaths(dir: string): void {
  const blob = execFileSync("git", ["hash-object", "-w", "--stdin"], {
    cwd: dir,
    env: GIT_ENV,
    input: "long",
    encoding: "utf8",
  }).trim();
  const paths: string[] = [];
  const add = (path: string) => paths.push(path);
  // > 127 bytes stripped for the next entry ("long2..."): a two-byte varint
  add(`long/${"x".repeat(200)}/${"y".repeat(150)}/package.json`);
  add("long2.proto");
  // name lengths around the 12-bit field's 0xFFF
  for (const length of [0xffe, 0xfff, 0x1000, 0x1001]) add(`len/${"n".repeat(length - 4)}`);
  // > 16511 bytes stripped for the next entry ("huge2..."): a three-byte varint
  add(`huge/${`${"d".repeat(200)}/`.repeat(100)}package.json`);
  add(`huge/${`${"d".repeat(200)}/`.repeat(99)}x.proto`);
  add("huge2.proto");
  // many paths sharing long prefixes
  for (let i = 0; i < 40; i++) add(`deep/${"s/".repeat(30)}${i % 3 === 0 ? "package.json" : `f${i}.ts`}`);
  execFileSync("git", ["update-index", "--index-info"], {
    cwd: dir,
    env: GIT_ENV,
    input: paths.map((path) => `100644 ${blob}\t${path}\n`).join(""),
  });
}

describe("readGitIndex", () => {
  it("reads a version 2 index as git lists it: odd names, a symlink, an executable, a gitlink", () => {
    const dir = fixtureRepo();
    expect(indexVersion(dir)).toBe(2);
    const all = expectSameAsGit(dir);
    const mode = (path: string) => all.find((entry) => entry.path === path)?.mode;
    expect(mode("link.proto")).toBe(0o120000);
    expect(mode("run.sh")).toBe(0o100755);
    expect(mode("some/dir/sub")).toBe(0o160000);
    expect(mode("x.proto")).toBe(0o100644);
    expect(all.some((entry) => entry.path.includes("\ufffd"))).toBe(true); // the latin1 name
    expect(readGitIndex(dir, {}, pathSelector(SELECTION))!.map((entry) => entry.path)).toEqual([
      "a b/package.json",
      "a/b/package.json",
      "a/package.json",
      "latin1-\ufffd.proto",
      "link.proto",
      "new\nline.proto",
      "p/.proto",
      "p/q/r.proto",
      "package.json",
      "some/dir/f",
      "some/dir/g/h.txt",
      "some/dir/sub",
      "x.proto",
      "é/ü.proto",
      "日本/package.json",
    ]);
  });

  it("reads version 3: intent-to-add and skip-worktree entries are listed", () => {
    const dir = fixtureRepo();
    write(dir, { "added/package.json": "{}", "added/later.proto": "" });
    git(dir, "add", "-N", "added/package.json", "added/later.proto");
    git(dir, "update-index", "--skip-worktree", "a/package.json");
    expect(indexVersion(dir)).toBe(3);
    const all = expectSameAsGit(dir);
    expect(all.map((entry) => entry.path)).toContain("added/later.proto");
  });

  it("reads a cone sparse checkout without a sparse index (skip-worktree entries)", () => {
    const dir = fixtureRepo();
    git(dir, "sparse-checkout", "set", "--cone", "some/dir");
    expect(indexVersion(dir)).toBe(3);
    expectSameAsGit(dir);
  });

  it("reads version 4 (prefix-compressed paths), v2 and v3 with the same long paths", () => {
    const dir = fixtureRepo();
    addLongPaths(dir);
    expect(indexVersion(dir)).toBe(2);
    const v2 = expectSameAsGit(dir);
    expect(v2.some((entry) => entry.path.length > 20_000)).toBe(true);
    git(dir, "update-index", "--index-version", "4");
    expect(indexVersion(dir)).toBe(4);
    expect(expectSameAsGit(dir)).toEqual(v2);
    write(dir, { "added/x.proto": "" });
    git(dir, "add", "-N", "added/x.proto");
    expect(indexVersion(dir)).toBe(4);
    expectSameAsGit(dir);
    git(dir, "update-index", "--index-version", "3");
    expect(indexVersion(dir)).toBe(3);
    expectSameAsGit(dir);
  });

  it("lists all three stages of a merge conflict", () => {
    const dir = repo({ "conflict.proto": "base\n", "package.json": "{}" });
    git(dir, "checkout", "-q", "-b", "other");
    write(dir, { "conflict.proto": "theirs\n" });
    commitAll(dir);
    git(dir, "checkout", "-q", "main");
    write(dir, { "conflict.proto": "ours\n" });
    commitAll(dir);
    expect(() => git(dir, "merge", "-q", "other")).toThrow();
    const all = expectSameAsGit(dir);
    expect(all.filter((entry) => entry.path === "conflict.proto").map((entry) => entry.stage)).toEqual([
      1, 2, 3,
    ]);
    git(dir, "update-index", "--index-version", "4");
    expectSameAsGit(dir);
  });

  it("reads a sha256 repository (32-byte object ids)", () => {
    const dir = fixtureRepo(["--object-format=sha256"]);
    const all = expectSameAsGit(dir, 32);
    expect(all[0]!.oid).toMatch(/^[0-9a-f]{64}$/);
    git(dir, "update-index", "--index-version", "4");
    expectSameAsGit(dir, 32);
    // the wrong hash size is not understood
    expect(parseGitIndex(indexBytes(dir), () => true, 20)).toBeUndefined();
  });

  it("follows a linked worktree's .git file to its own index", () => {
    const main = fixtureRepo();
    const worktree = join(tempDir(), "wt");
    git(main, "worktree", "add", "-q", "-b", "wt", worktree);
    write(worktree, { "only/here/package.json": "{}" });
    git(worktree, "add", "only/here/package.json");
    expect(indexPath(worktree, {})).toBe(join(main, ".git", "worktrees", "wt", "index"));
    const listed = expectSameAsGit(worktree);
    expect(listed.map((entry) => entry.path)).toContain("only/here/package.json");
    expect(gitListing(main).map((entry) => entry.path)).not.toContain("only/here/package.json");
  });

  it("follows a submodule's .git file; the superproject lists it as a gitlink", () => {
    const inner = repo({ "inner/package.json": "{}", "x.proto": "" });
    const outer = repo({ "package.json": "{}" });
    git(outer, "-c", "protocol.file.allow=always", "submodule", "add", "-q", inner, "some/dir/mod");
    expect(indexPath(join(outer, "some/dir/mod"), {})).toBe(
      join(outer, ".git", "modules", "some/dir/mod", "index"),
    );
    expectSameAsGit(join(outer, "some/dir/mod"));
    const all = expectSameAsGit(outer);
    expect(all.find((entry) => entry.path === "some/dir/mod")?.mode).toBe(0o160000);
  });
});

describe("the cases left to git", () => {
  it("a split index", () => {
    const dir = fixtureRepo();
    git(dir, "update-index", "--split-index");
    expect(indexBytes(dir).includes("link")).toBe(true);
    expect(gitListing(dir).length).toBeGreaterThan(0);
    expect(readGitIndex(dir, {}, () => true)).toBeUndefined();
  });

  const [major = 0, minor = 0] = (/(\d+)\.(\d+)/.exec(git(tmpdir(), "--version")) ?? []).slice(1).map(Number);
  it.skipIf(major < 2 || (major === 2 && minor < 34))(
    `a sparse index (git ${major}.${minor}; skipped before 2.34)`,
    () => {
      const dir = fixtureRepo();
      git(dir, "sparse-checkout", "init", "--cone", "--sparse-index");
      git(dir, "sparse-checkout", "set", "some/dir");
      expect(indexBytes(dir).includes("sdir")).toBe(true);
      expect(gitBytes(dir, "ls-files", "--sparse", "-s").toString()).toMatch(/^040000 /m);
      expect(gitListing(dir).map((entry) => entry.path)).toContain("a/package.json");
      expect(readGitIndex(dir, {}, () => true)).toBeUndefined();
      expect(readGitIndex(dir, {}, pathSelector(SELECTION))).toBeUndefined();
    },
  );

  it("GIT_INDEX_FILE, GIT_DIR, GIT_WORK_TREE, GIT_COMMON_DIR in the environment", () => {
    const dir = fixtureRepo();
    expect(indexPath(dir, {})).toBe(join(dir, ".git", "index"));
    for (const name of ["GIT_INDEX_FILE", "GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR"]) {
      const env = { [name]: join(dir, ".git", "index") };
      expect(indexPath(dir, env)).toBeUndefined();
      expect(readGitIndex(dir, env, () => true)).toBeUndefined();
      expect(readGitIndex(dir, { [name]: "" }, () => true)).toBeUndefined();
    }
  });

  it("no repository, no index yet", () => {
    expect(readGitIndex(tempDir(), {}, () => true)).toBeUndefined();
    const fresh = repo();
    expect(indexPath(fresh, {})).toBeUndefined();
    expect(readGitIndex(fresh, {}, () => true)).toBeUndefined();
  });

  it("an object format in the config that is not plainly sha1 or sha256", () => {
    const dir = repo({ "package.json": "{}" });
    const config = readFileSync(join(dir, ".git", "config"), "utf8");
    const withConfig = (extra: string) => {
      writeFileSync(join(dir, ".git", "config"), config + extra);
      return readGitIndex(dir, {}, () => true);
    };
    const all = gitListing(dir);
    expect(
      withConfig('[core]\n\t# objectformat = sha256\n[extensions "x"]\n\tobjectformat = sha256\n'),
    ).toEqual(all);
    expect(withConfig("[extensions]\n\tobjectFormat = sha1\n")).toEqual(all);
    expect(withConfig('[Extensions] objectformat = "sha256"\n')).toBeUndefined(); // a sha1 index read as sha256
    expect(withConfig("[extensions]\n\tobjectFormat = sha512\n")).toBeUndefined();
    expect(withConfig("[extensions]\n\tobjectFormat\n")).toBeUndefined();
    expect(withConfig("[extensions\n\tobjectformat = sha1\n")).toBeUndefined();
    rmSync(join(dir, ".git", "config"));
    expect(readGitIndex(dir, {}, () => true)).toBeUndefined();
  });

  it("a truncated index: undefined, or (cut inside the extensions) still the full listing", () => {
    const dir = fixtureRepo();
    const bytes = indexBytes(dir);
    const all = gitListing(dir);
    const extensionsAt = bytes.indexOf("TREE");
    expect(extensionsAt).toBeGreaterThan(0);
    let understood = 0;
    for (let length = 0; length < bytes.length; length++) {
      const parsed = parseGitIndex(bytes.subarray(0, length), () => true, 20, 64);
      if (length < extensionsAt + 20) expect(parsed).toBeUndefined();
      else if (parsed !== undefined) {
        expect(parsed).toEqual(all);
        understood++;
      }
    }
    expect(understood).toBeLessThan(3);
    writeFileSync(join(dir, ".git", "index"), bytes.subarray(0, bytes.length - 100));
    expect(readGitIndex(dir, {}, () => true)).toBeUndefined();
  });

  it("a corrupt header, name length, extension, entry count or hash size", () => {
    const dir = fixtureRepo();
    const bytes = indexBytes(dir);
    const all = gitListing(dir);
    expect(parseGitIndex(bytes, () => true, 20)).toEqual(all);
    const corrupt = (change: (copy: Buffer) => void): IndexEntry[] | undefined => {
      const copy = Buffer.from(bytes);
      change(copy);
      return parseGitIndex(copy, () => true, 20);
    };
    for (const version of [0, 1, 5, 0x102])
      expect(corrupt((copy) => copy.writeUInt32BE(version, 4))).toBeUndefined();
    expect(corrupt((copy) => copy.write("DIRD", 0))).toBeUndefined();
    const flagsAt = 12 + 40 + 20;
    for (const delta of [-1, 1]) {
      expect(
        corrupt((copy) => copy.writeUInt16BE(copy.readUInt16BE(flagsAt) + delta, flagsAt)),
      ).toBeUndefined();
    }
    expect(
      corrupt((copy) => copy.writeUInt16BE(copy.readUInt16BE(flagsAt) | 0x4000, flagsAt)),
    ).toBeUndefined(); // extended in v2
    expect(corrupt((copy) => copy.writeUInt32BE(0o40000, 12 + 24))).toBeUndefined(); // a directory entry
    expect(corrupt((copy) => copy.writeUInt32BE(0o100664, 12 + 24))).toBeUndefined();
    for (const delta of [-1, 1]) {
      expect(corrupt((copy) => copy.writeUInt32BE(copy.readUInt32BE(8) + delta, 8))).toBeUndefined();
    }
    const tree = bytes.indexOf("TREE");
    expect(corrupt((copy) => copy.writeUInt32BE(copy.readUInt32BE(tree + 4) + 1, tree + 4))).toBeUndefined();
    expect(corrupt((copy) => copy.writeUInt32BE(0xffffffff, tree + 4))).toBeUndefined();
    expect(parseGitIndex(bytes, () => true, 32)).toBeUndefined();
    // extensions before the checksum: an optional one ('A'..'Z') is skipped, others are not understood
    const withExtension = (signature: string, data: Buffer) => {
      const header = Buffer.alloc(8);
      header.write(signature, 0);
      header.writeUInt32BE(data.length, 4);
      const end = bytes.length - 20;
      return Buffer.concat([bytes.subarray(0, end), header, data, bytes.subarray(end)]);
    };
    expect(parseGitIndex(withExtension("ZZZZ", Buffer.from("data")), () => true, 20)).toEqual(all);
    expect(parseGitIndex(withExtension("zzzz", Buffer.from("data")), () => true, 20)).toBeUndefined();
    expect(parseGitIndex(withExtension("sdir", Buffer.alloc(0)), () => true, 20)).toBeUndefined();
    expect(parseGitIndex(withExtension("link", Buffer.alloc(20)), () => true, 20)).toBeUndefined();
  });

  it("a version 4 prefix that strips more than the previous path has", () => {
    const dir = fixtureRepo();
    git(dir, "update-index", "--index-version", "4");
    const bytes = indexBytes(dir);
    const flagsAt = 12 + 40 + 20;
    expect(bytes[flagsAt + 2]).toBe(0); // the first entry strips nothing
    expect(parseGitIndex(bytes, () => true, 20)).toEqual(gitListing(dir));
    const copy = Buffer.from(bytes);
    copy[flagsAt + 2] = 1;
    copy.writeUInt16BE(copy.readUInt16BE(flagsAt) - 1, flagsAt); // the name length agrees with that
    expect(parseGitIndex(copy, () => true, 20)).toBeUndefined();
  });

  it("extended flags it does not know (version 3)", () => {
    const dir = fixtureRepo();
    git(dir, "update-index", "--skip-worktree", "a b/package.json"); // the first entry
    const bytes = indexBytes(dir);
    expect(bytes.readUInt32BE(4)).toBe(3);
    const flagsAt = 12 + 40 + 20;
    expect(bytes.readUInt16BE(flagsAt) & 0x4000).toBe(0x4000);
    expect(bytes.readUInt16BE(flagsAt + 2)).toBe(0x4000); // skip-worktree
    expect(parseGitIndex(bytes, () => true, 20)).toEqual(gitListing(dir));
    for (const extended of [0x8000, 0x1000, 0x0001]) {
      const copy = Buffer.from(bytes);
      copy.writeUInt16BE(0x4000 | extended, flagsAt + 2);
      expect(parseGitIndex(copy, () => true, 20)).toBeUndefined();
    }
  });
});

describe("pathSelector", () => {
  const select = (options: Parameters<typeof pathSelector>[0], paths: string[]) => {
    const selector = pathSelector(options);
    return paths.filter((path) => selector(new TextEncoder().encode(path)));
  };

  it("file names at a / boundary, extensions at the end, literal paths and what lies under them", () => {
    expect(
      select({ fileNames: ["package.json"] }, [
        "package.json",
        "a/b/package.json",
        "a/xpackage.json",
        "package.json/x",
        "package.jsonx",
        "ackage.json",
        "",
      ]),
    ).toEqual(["package.json", "a/b/package.json"]);
    expect(
      select({ extensions: [".proto"] }, [
        "x.proto",
        "a/b/y.proto",
        ".proto",
        "a/.proto",
        "a.proto/x",
        "proto",
        "x.protox",
      ]),
    ).toEqual(["x.proto", "a/b/y.proto", ".proto", "a/.proto"]);
    expect(select({ literals: ["a/b"] }, ["a/b", "a/b/c", "a/bc", "a", "a/", "b/a/b", "a/b/"])).toEqual([
      "a/b",
      "a/b/c",
      "a/b/",
    ]);
    expect(select({ literals: ["a/b/"] }, ["a/b", "a/b/c"])).toEqual(["a/b/c"]);
    expect(
      select({ literals: ["é"], fileNames: ["ü.txt"] }, ["é", "é/x", "éx", "a/ü.txt", "aü.txt"]),
    ).toEqual(["é", "é/x", "a/ü.txt"]);
    expect(select({ literals: ["."] }, ["a", "b/c"])).toEqual(["a", "b/c"]);
    expect(select({}, ["a", "b/c"])).toEqual([]);
  });
});

describe("against git, property-based", () => {
  const segment = fc.constantFrom(
    "package.json",
    "x.proto",
    ".proto",
    "é",
    "a b",
    "a",
    "ab",
    "some",
    "dir",
    "dirx",
    "xpackage.json",
    "d.proto",
  );
  const paths = fc
    .uniqueArray(
      fc.array(segment, { minLength: 1, maxLength: 6 }).map((segments) => segments.join("/")),
      { minLength: 1, maxLength: 40 },
    )
    // a path is a file or a directory, not both
    .map((all) => all.filter((path) => !all.some((other) => other.startsWith(`${path}/`))));

  it("random trees in index versions 2, 3 and 4 list as git lists them", () => {
    fc.assert(
      fc.property(
        paths,
        fc.constantFrom(2, 3, 4),
        fc.boolean(),
        fc.integer({ min: 64, max: 600 }),
        (files, version, flagged, windowBytes) => {
          const dir = repo(Object.fromEntries(files.map((path) => [path, path])));
          if (flagged) {
            // extended flags: git writes version 3 then (unless asked for 4)
            write(dir, { "new/x.proto": "" }); // "new" is no segment: it cannot clash with a file
            git(dir, "add", "-N", "new/x.proto");
            git(dir, "update-index", "--skip-worktree", files[0]!);
          }
          git(dir, "update-index", "--index-version", String(version));
          // without extended flags, git writes version 2 when asked for 3
          expect(indexVersion(dir)).toBe(version === 4 ? 4 : flagged ? 3 : 2);
          const all = gitListing(dir);
          expect(readGitIndex(dir, {}, () => true)).toEqual(all);
          expect(parseGitIndex(indexBytes(dir), () => true, 20, windowBytes)).toEqual(all);
          const literals = ["some/dir", "a b"];
          expect(readGitIndex(dir, {}, pathSelector({ ...SELECTION, literals }))).toEqual(
            gitListing(dir, [...PATHSPECS.slice(0, 2), ...literals.map((literal) => `:(literal)${literal}`)]),
          );
          rmSync(dir, { recursive: true, force: true });
        },
      ),
      { numRuns: 25 },
    );
  });
});
