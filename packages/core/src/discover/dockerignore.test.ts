import { describe, expect, it } from "vitest";
import { compileCopySource, compileDockerignore, parseDockerignore } from "./dockerignore.js";

const excluded = (ignore: string, path: string) => compileDockerignore(parseDockerignore(ignore))(path);

describe(".dockerignore with Docker's semantics", () => {
  it.each([
    ["node_modules", "node_modules/x/index.js", true],
    ["node_modules", "src/node_modules/x.js", false],
    ["**/node_modules", "src/node_modules/x.js", true],
    ["*.md", "README.md", true],
    ["*.md", "docs/README.md", false],
    ["**/*.md", "docs/README.md", true],
    ["/dist", "dist/app.js", true],
    ["./dist/", "dist/app.js", true],
    ["src/*/test", "src/a/test/x.ts", true],
    ["src/*/test", "src/a/b/test/x.ts", false],
    ["src/**/test", "src/a/b/test/x.ts", true],
    ["file?.txt", "file1.txt", true],
    ["file?.txt", "file10.txt", false],
    ["[ab].txt", "a.txt", true],
    ["[ab].txt", "c.txt", false],
    ["# comment\nsecret", "secret", true],
    ["*\n!src", "src/index.ts", false],
    ["*\n!src", "package.json", true],
    ["*.md\n!README.md", "README.md", false],
    ["*.md\n!README.md\nREADME.md", "README.md", true],
    ["docs\n!docs/keep.md", "docs/keep.md", false],
    ["docs\n!docs/keep.md", "docs/drop.md", true],
    ["  spaced  ", "spaced", true],
    ["dir\\*name", "dir*name", true],
    ["dir\\*name", "dirXname", false],
    ["", "anything", false],
    // BuildKit matches patterns against context-relative paths: "." and "/" match none of them
    // (moby/patternmatcher: an exact-match pattern; ignorefile.ReadAll keeps a lone "/")
    [".", "index.html", false],
    ["./", "src/index.ts", false],
    ["/", "index.html", false],
    ["*\n!.", "index.html", true],
    // "**" then no other wildcard: a suffix match (patternmatcher's suffixMatch)
    ["**.md", "docs/guide/a.md", true],
    ["**.md", "a.md", true],
    ["**.md", "a.mdx", false],
    ["**/node_modules", "node_modules/x.js", true],
    ["**/node_modules", "a/node_modules/x.js", true],
    ["**/node_modules", "a/my_node_modules/x.js", false],
    ["**~", "src/file.ts~", true],
    ["**/*.md", "docs/a.md", true],
    ["**/*.md", "docs/a.mdx", false],
    // a byte-order mark before the first pattern is not part of it
    ["\uFEFFsecret", "secret", true],
  ])("%j excludes %j: %s", (ignore, path, expected) => {
    expect(excluded(ignore, path)).toBe(expected);
  });
});

describe("a COPY wildcard source", () => {
  it.each([
    // a plain COPY matches segment by segment (filepath.Match): `**.ts` is `*.ts` there
    ["src/**.ts", "src/a.ts", true],
    ["**.json", "package.json", true],
    // --parents matches with patternmatcher: `**/` crosses directories
    ["src/**/*.ts", "src/a/b/c.ts", true],
    ["**/*.csproj", "a.csproj", true],
    ["src/*.ts", "src/a/b.ts", false],
    ["src/*.ts", "lib/a.ts", false],
    // what lies under a matched directory
    ["src/*", "src/a/b.ts", true],
  ])("%j selects %j: %s", (pattern, path, expected) => {
    expect(compileCopySource(pattern)(path)).toBe(expected);
  });
});
