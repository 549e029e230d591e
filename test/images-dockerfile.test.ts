import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { affectedIn as affectedInRepo } from "./helpers/affected.js";
import { cleanEnv, shipgraph } from "./helpers/cli.js";
import { gitRepo, type TestRepo, tempDir } from "./helpers/repo.js";

interface Report {
  affected: Record<string, string[]>;
  matrix: { include: { image: string; level: number }[] };
  reasons: Record<
    string,
    { cause: { kind: string; rule?: string; file?: string; via?: string }; chain: string[] }
  >;
  unownedFiles: string[];
}

/** Commits `files` on main, then applies `change` on a branch and returns `affected` as JSON. */
async function affectedAfter(
  files: Record<string, string>,
  change: (repo: TestRepo) => void,
  ...args: string[]
) {
  const repo = gitRepo(files);
  repo.git("checkout", "-q", "-b", "change");
  change(repo);
  repo.commit("change");
  const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json", ...args]);
  if (run.code !== 0) throw new Error(run.stderr);
  return { report: run.json<Report>(), repo, stderr: run.stderr };
}

/** `affected --base main --format json` (with `args`) in `repo` as it is; a non-zero exit fails the test. */
const affectedIn = (repo: TestRepo, ...args: string[]) => affectedInRepo<Report>(repo, ...args);

const rootImage = (name: string, extra = "") =>
  `  ${name}:\n    context: .\n    dockerfile: docker/${name}.Dockerfile\n${extra}`;

describe("image inputs come from the Dockerfile", () => {
  const files = {
    "shipgraph.yaml": `images:\n${rootImage("a")}${rootImage("b")}`,
    "docker/a.Dockerfile": "FROM node:22\nWORKDIR /app\nCOPY src/a/ ./\nCOPY pb/ ./proto\n",
    "docker/b.Dockerfile": "FROM node:22\nCOPY src/b/ ./\n",
    "src/a/index.ts": "a\n",
    "src/b/index.ts": "b\n",
    "pb/api.proto": 'syntax = "proto3";\n',
  };

  it("with the repository root as context, a change reaches only the images that COPY it", async () => {
    const pb = await affectedAfter(files, (r) => r.append("pb/api.proto", "// x\n"));
    expect(pb.report.affected.image).toEqual(["a"]);
    expect(pb.report.reasons["image:a"]!.cause.via).toBe("docker/a.Dockerfile:4 COPY pb/ ./proto");
    const b = await affectedAfter(files, (r) => r.append("src/b/index.ts", "// x\n"));
    expect(b.report.affected.image).toEqual(["b"]);
    const unrelated = await affectedAfter(files, (r) => r.write({ "docs/readme.md": "x" }));
    expect(unrelated.report.affected.image).toEqual([]);
    expect(unrelated.report.unownedFiles).toEqual(["docs/readme.md"]);
  });

  it("--explain names the Dockerfile instruction that reads the changed file", async () => {
    const { repo } = await affectedAfter(files, (r) => r.append("pb/api.proto", "// x\n"));
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--explain", "image:a"]);
    expect(run.stdout).toBe(
      "image:a is affected:\n  image:a ← pb/api.proto changed (read by docker/a.Dockerfile:4 COPY pb/ ./proto)\n",
    );
  });

  it("a COPY source that is a symlink reads its target: a change there affects the image, also with --head", async () => {
    const repo = gitRepo({
      "shipgraph.yaml": "images:\n  api:\n    context: services/api\n",
      "services/api/Dockerfile": "FROM node:22\nCOPY shared/ ./shared\nCOPY src ./src\n",
      "services/api/src/index.ts": "export {};\n",
      "libs/shared/util.ts": "export const u = 1;\n",
      "services/api/vendor/lib.ts": "export {};\n",
    });
    // services/api/shared -> vendor (inside the context): git stores the link itself
    symlinkSync("vendor", join(repo.dir, "services/api/shared"));
    repo.commit("link");
    repo.git("checkout", "-q", "-b", "change");
    repo.append("services/api/vendor/lib.ts", "// x\n").commit();
    const report = await affectedIn(repo);
    expect(report.affected.image).toEqual(["api"]);
    expect(report.reasons["image:api"]!.cause.via).toBe(
      "services/api/Dockerfile:2 COPY shared/ ./shared (through the symlink services/api/shared → vendor)",
    );
    // the same answer from the commit, not the working tree
    const head = repo.head();
    repo.git("checkout", "-q", "main");
    const atHead = await affectedIn(repo, "--head", head);
    expect(atHead.affected.image).toEqual(["api"]);
  });

  it("a Dockerfile or .dockerignore that is a symlink: a change to the file it points to affects the image, also with --head", async () => {
    const repo = gitRepo({
      "shipgraph.yaml": "images:\n  api:\n    context: services/api\n",
      "docker/node.Dockerfile": "FROM node:22\nCOPY src ./src\n",
      "docker/common.dockerignore": "README.md\n",
      "services/api/src/index.ts": "export {};\n",
      "services/api/README.md": "x\n",
    });
    // the Dockerfile through a chain of two links; the .dockerignore through one
    symlinkSync("../docker/node.Dockerfile", join(repo.dir, "services/current.Dockerfile"));
    symlinkSync("../current.Dockerfile", join(repo.dir, "services/api/Dockerfile"));
    symlinkSync("../../docker/common.dockerignore", join(repo.dir, "services/api/.dockerignore"));
    repo.commit("links");
    const head = async (change: (r: TestRepo) => void) => {
      repo.git("checkout", "-q", "-B", "change", "main");
      change(repo);
      const sha = repo.commit();
      const run = await affectedIn(repo);
      repo.git("checkout", "-q", "main");
      const atHead = await affectedIn(repo, "--head", sha);
      return [run.affected.image, atHead.affected.image];
    };
    expect(await head((r) => r.append("docker/node.Dockerfile", "RUN true\n"))).toEqual([["api"], ["api"]]);
    expect(await head((r) => r.append("docker/common.dockerignore", "src\n"))).toEqual([["api"], ["api"]]);
    // the .dockerignore read through its link still excludes README.md
    expect(await head((r) => r.append("services/api/README.md", "y\n"))).toEqual([[], []]);
  });

  it("symlink chains and links before a wildcard are followed", async () => {
    const repo = gitRepo({
      "shipgraph.yaml":
        "images:\n  chain:\n    context: .\n    dockerfile: docker/chain.Dockerfile\n  glob:\n    context: .\n    dockerfile: docker/glob.Dockerfile\n",
      "docker/chain.Dockerfile": "FROM node:22\nCOPY services/link1 ./shared\n",
      "docker/glob.Dockerfile": "FROM node:22\nCOPY vendor/other/*.json ./\n",
      "libs/shared/util.ts": "export {};\n",
      "libs/other/a.json": "{}\n",
      "services/README.md": "services\n",
    });
    symlinkSync("link2", join(repo.dir, "services/link1"), "dir");
    symlinkSync("../libs/shared", join(repo.dir, "services/link2"), "dir");
    symlinkSync("libs", join(repo.dir, "vendor"), "dir");
    repo.commit("links");
    repo.git("checkout", "-q", "-b", "change");
    repo.append("libs/shared/util.ts", "// x\n").append("libs/other/a.json", "\n").commit();
    const run = await affectedIn(repo);
    expect(run.affected.image).toEqual(["chain", "glob"]);
  });

  it("links a wildcard matches are followed: COPY dist/${TARGETARCH}/cli with dist/amd64 -> ../build/amd64, also with --head", async () => {
    const repo = gitRepo({
      "shipgraph.yaml":
        "images:\n  cli:\n    context: .\n    dockerfile: docker/cli.Dockerfile\n  conf:\n    context: .\n    dockerfile: docker/conf.Dockerfile\n",
      "docker/cli.Dockerfile": "FROM alpine:3\nARG TARGETARCH\nCOPY dist/${TARGETARCH}/cli /usr/bin/cli\n",
      "docker/conf.Dockerfile": "FROM alpine:3\nCOPY conf/*.yaml /etc/app/\n",
      "build/amd64/cli": "amd64\n",
      "build/amd64/notes.txt": "x\n",
      "shared/app.yaml": "a: 1\n",
      "dist/README.md": "x\n",
    });
    symlinkSync("../build/amd64", join(repo.dir, "dist/amd64"), "dir");
    repo.write({ "conf/.keep": "" });
    symlinkSync("../shared/app.yaml", join(repo.dir, "conf/app.yaml"));
    repo.commit("links");
    const affected = async (change: (r: TestRepo) => void) => {
      repo.git("checkout", "-q", "-B", "change", "main");
      change(repo);
      const sha = repo.commit();
      const run = await affectedIn(repo);
      const images = run.affected.image;
      // (the links found on disk, not in the index)
      expect((await affectedIn(repo, "--untracked")).affected.image).toEqual(images);
      repo.git("checkout", "-q", "main");
      const atHead = await affectedIn(repo, "--head", sha);
      expect(atHead.affected.image).toEqual(images);
      return run;
    };
    const cli = await affected((r) => r.append("build/amd64/cli", "y"));
    expect(cli.affected.image).toEqual(["cli"]);
    expect(cli.reasons["image:cli"]!.cause.via).toBe(
      "docker/cli.Dockerfile:3 COPY dist/${TARGETARCH}/cli /usr/bin/cli (through the symlink dist/amd64 → ../build/amd64)",
    );
    expect((await affected((r) => r.append("shared/app.yaml", "b: 2\n"))).affected.image).toEqual(["conf"]);
    // what the wildcard does not select through the link stays out
    expect((await affected((r) => r.append("build/amd64/notes.txt", "y"))).affected.image).toEqual([]);
  });

  it("a link a ** source matches is followed (a plain COPY's ** is one segment); one inside a copied directory is copied as a link, also with --head", async () => {
    const repo = gitRepo({
      "shipgraph.yaml":
        "images:\n  libs:\n    context: .\n    dockerfile: docker/libs.Dockerfile\n  dist:\n    context: .\n    dockerfile: docker/dist.Dockerfile\n",
      "docker/libs.Dockerfile": "FROM alpine:3\nCOPY libs/** /app/\n",
      "docker/dist.Dockerfile": "FROM alpine:3\nCOPY packages/**/dist /app/\n",
      "libs/a/b/.keep": "",
      "packages/a/.keep": "",
      "shared/util.ts": "x\n",
      "nested/util.ts": "x\n",
      "build/a/main.js": "x\n",
    });
    // BuildKit resolves the wildcards on the context's entries (filepath.Match: ** is *) and
    // follows a link they match; a link inside a directory it copies is copied as a link
    symlinkSync("../shared", join(repo.dir, "libs/shared"), "dir");
    symlinkSync("../../build/a", join(repo.dir, "packages/a/dist"), "dir");
    symlinkSync("../../../nested", join(repo.dir, "libs/a/b/nested"), "dir");
    repo.commit("links");
    const affected = async (change: (r: TestRepo) => void) => {
      repo.git("checkout", "-q", "-B", "change", "main");
      change(repo);
      const sha = repo.commit();
      const images = (await affectedIn(repo)).affected.image;
      // (the links found on disk, not in the index)
      expect((await affectedIn(repo, "--untracked")).affected.image).toEqual(images);
      repo.git("checkout", "-q", "main");
      expect((await affectedIn(repo, "--head", sha)).affected.image).toEqual(images);
      return images;
    };
    expect(await affected((r) => r.append("shared/util.ts", "y"))).toEqual(["libs"]);
    expect(await affected((r) => r.append("build/a/main.js", "y"))).toEqual(["dist"]);
    expect(await affected((r) => r.append("nested/util.ts", "y"))).toEqual([]);
  });

  it("a build context that is itself a symlink reads its target's files", async () => {
    const repo = gitRepo({
      "shipgraph.yaml": "images:\n  api:\n    context: services/api\n    dockerfile: real/api/Dockerfile\n",
      "real/api/Dockerfile": "FROM node:22\nCOPY src ./src\n",
      "real/api/src/index.ts": "export {};\n",
      "services/README.md": "services\n",
    });
    symlinkSync("../real/api", join(repo.dir, "services/api"), "dir");
    repo.commit("link");
    repo.git("checkout", "-q", "-b", "change");
    repo.append("real/api/src/index.ts", "// x\n").commit();
    const run = await affectedIn(repo);
    expect(run.affected.image).toEqual(["api"]);
  });

  it("a build context reached through a link: retargeting the link (the only path the diff lists) affects the image", async () => {
    const repo = gitRepo({
      "shipgraph.yaml": "images:\n  api:\n    context: apps/api\n    dockerfile: docker/api.Dockerfile\n",
      "docker/api.Dockerfile": "FROM node:22\nCOPY src ./src\n",
      "v1/api/src/index.ts": "export const v = 1;\n",
      "v2/api/src/index.ts": "export const v = 2;\n",
    });
    // the context itself a link, then a link in a directory above it
    symlinkSync("../v1/api", join(repo.dir, "api"));
    repo.write({ "apps/.keep": "" });
    symlinkSync("../api", join(repo.dir, "apps/api"));
    repo.commit("links");
    const retarget = async (link: string, target: string) => {
      repo.git("checkout", "-q", "-B", "change", "main");
      repo.remove(link);
      symlinkSync(target, join(repo.dir, link));
      repo.commit("retarget");
      const run = await affectedIn(repo);
      return run.affected.image;
    };
    expect(await retarget("apps/api", "../v2/api")).toEqual(["api"]);
    expect(await retarget("api", "v2/api")).toEqual(["api"]);
  });

  it("COPY . . honours .dockerignore exclusions and ! re-includes", async () => {
    const base = {
      "shipgraph.yaml": "images:\n  web:\n    context: web\n",
      "web/Dockerfile": "FROM nginx\nCOPY . /usr/share/nginx/html\n",
      "web/.dockerignore": "*.md\n!README.md\nnotes/\n",
      "web/index.html": "<h1>hi</h1>\n",
      "web/README.md": "readme\n",
      "web/CHANGELOG.md": "log\n",
      "web/notes/todo.txt": "todo\n",
    };
    expect(
      (await affectedAfter(base, (r) => r.append("web/CHANGELOG.md", "x"))).report.affected.image,
    ).toEqual([]);
    expect(
      (await affectedAfter(base, (r) => r.append("web/notes/todo.txt", "x"))).report.affected.image,
    ).toEqual([]);
    expect((await affectedAfter(base, (r) => r.append("web/README.md", "x"))).report.affected.image).toEqual([
      "web",
    ]);
    expect((await affectedAfter(base, (r) => r.append("web/index.html", "x"))).report.affected.image).toEqual(
      ["web"],
    );
  });

  it("a .dockerignore line that is only '.' or '/' excludes nothing (BuildKit matches no context path with it)", async () => {
    for (const line of [".", "/", "./"]) {
      const base = {
        "shipgraph.yaml": "images:\n  web:\n    context: web\n",
        "web/Dockerfile": "FROM nginx\nCOPY . /usr/share/nginx/html\n",
        "web/.dockerignore": `${line}\n`,
        "web/index.html": "<h1>hi</h1>\n",
      };
      const { report } = await affectedAfter(base, (r) => r.append("web/index.html", "x"));
      expect(report.affected.image, line).toEqual(["web"]);
    }
  });

  it("a COPY wildcard matches segment by segment as BuildKit does: src/**.ts copies src/a.ts", async () => {
    const base = {
      "shipgraph.yaml": `images:\n${rootImage("app")}`,
      "docker/app.Dockerfile": "FROM scratch\nCOPY src/**.ts /app/\n",
      "src/a.ts": "x\n",
      "other.txt": "x\n",
    };
    expect((await affectedAfter(base, (r) => r.append("src/a.ts", "y"))).report.affected.image).toEqual([
      "app",
    ]);
    expect((await affectedAfter(base, (r) => r.append("other.txt", "y"))).report.affected.image).toEqual([]);
  });

  it("a shared .dockerignore edit rebuilds only the images that read a path a changed pattern can match", async () => {
    const base = {
      "shipgraph.yaml": `images:\n${rootImage("api")}${rootImage("web")}${rootImage("all")}`,
      "docker/api.Dockerfile": "FROM node:22\nCOPY services/api /app\nCOPY package.json /\n",
      "docker/web.Dockerfile": "FROM node:22\nCOPY services/web/src /app\n",
      "docker/all.Dockerfile": "FROM node:22\nCOPY . /repo\n",
      ".dockerignore": "**/node_modules\nservices/api/tmp\n!services/api/tmp/keep\n",
      "services/api/index.js": "1\n",
      "services/web/src/index.js": "1\n",
      "package.json": "{}\n",
    };
    const images = async (text: string) =>
      (await affectedAfter(base, (r) => r.write({ ".dockerignore": text }))).report;
    // a pattern under services/web: web (and the image copying everything), not api
    const web = await images(
      "**/node_modules\nservices/api/tmp\n!services/api/tmp/keep\nservices/web/src/*.test.js\n",
    );
    expect(web.affected.image).toEqual(["all", "web"]);
    expect(web.reasons["image:web"]!.cause).toMatchObject({ rule: "owned", file: ".dockerignore" });
    // the re-include moved before its pattern (order counts): api
    expect(
      (await images("**/node_modules\n!services/api/tmp/keep\nservices/api/tmp\n")).affected.image,
    ).toEqual(["all", "api"]);
    // a pattern that can match anywhere: every image
    expect(
      (await images("**/node_modules\nservices/api/tmp\n!services/api/tmp/keep\n*.md\n")).affected.image,
    ).toEqual(["all", "api", "web"]);
    // only a comment: the image that copies the whole context copies the .dockerignore too
    const comment = "# deps\n**/node_modules\nservices/api/tmp\n!services/api/tmp/keep\n";
    expect((await images(comment)).affected.image).toEqual(["all"]);
    // unless it excludes itself (before and after)
    const selfExcluded = { ...base, ".dockerignore": `.dockerignore\n${base[".dockerignore"]}` };
    expect(
      (await affectedAfter(selfExcluded, (r) => r.write({ ".dockerignore": `.dockerignore\n${comment}` })))
        .report.affected.image,
    ).toEqual([]);
  });

  it("a .dockerignore edit is compared as patterns only for a regular file, and a huge one counts whole", async () => {
    const base = {
      "shipgraph.yaml": `images:\n${rootImage("api")}`,
      "docker/api.Dockerfile": "FROM node:22\nCOPY services/api /app\n",
      "services/api/index.js": "1\n",
      "services/api/secret/key": "1\n",
      "ign/a.ignore": "services/api/secret\n",
      "ign/b.ignore": "tmp\n",
    };
    // a link retargeted: git's blob is the target's path, not the patterns
    const linked = gitRepo(base);
    symlinkSync("ign/a.ignore", join(linked.dir, ".dockerignore"));
    linked.commit("link");
    linked.git("checkout", "-q", "-b", "retarget");
    linked.remove(".dockerignore");
    symlinkSync("ign/b.ignore", join(linked.dir, ".dockerignore"));
    linked.commit("retarget");
    expect(linked.git("diff", "--name-status", "main...HEAD")).toBe("M\t.dockerignore\n");
    const run = await shipgraph(linked.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(run.json<Report>().affected.image).toEqual(["api"]);
    // 20,000 generated lines replaced: not compared line by line (quadratic), every pattern counts
    const lines = (prefix: string) => Array.from({ length: 20_000 }, (_, i) => `${prefix}/${i}`).join("\n");
    const huge = { ...base, ".dockerignore": lines("other") };
    const big = await affectedAfter(huge, (r) =>
      r.write({ ".dockerignore": `services/api/secret\n${lines("more")}` }),
    );
    expect(big.report.affected.image).toEqual(["api"]);
  });

  it("a <name>.Dockerfile.dockerignore replaces the context's .dockerignore", async () => {
    const base = {
      "shipgraph.yaml": `images:\n${rootImage("a")}`,
      "docker/a.Dockerfile": "FROM node:22\nCOPY . /app\n",
      "docker/a.Dockerfile.dockerignore": "docs/\n",
      ".dockerignore": "src/\n",
      "src/index.ts": "x\n",
      "docs/guide.md": "x\n",
    };
    expect(
      (await affectedAfter(base, (r) => r.append("src/index.ts", "// x\n"))).report.affected.image,
    ).toEqual(["a"]);
    expect((await affectedAfter(base, (r) => r.append("docs/guide.md", "x"))).report.affected.image).toEqual(
      [],
    );
    // the replaced file reads nothing while the other exists (here no COPY reads it as a file)
    const src = { ...base, "docker/a.Dockerfile": "FROM node:22\nCOPY src/ /app\n" };
    expect(
      (await affectedAfter(src, (r) => r.append(".dockerignore", "*.log\n"))).report.affected.image,
    ).toEqual([]);
    // deleting the replacing one makes it count again (and is a change of its own)
    expect(
      (
        await affectedAfter(src, (r) => {
          r.remove("docker/a.Dockerfile.dockerignore");
          r.append(".dockerignore", "*.log\n");
        })
      ).report.affected.image,
    ).toEqual(["a"]);
  });

  it("multi-stage: only stages that reach the target count, through COPY --from", async () => {
    const base = {
      "shipgraph.yaml": `images:\n${rootImage("app")}${rootImage("app-docs", "    target: docs\n")}`,
      "docker/app.Dockerfile":
        "FROM node:22 AS builder\nCOPY src/ /src\nRUN build\n\nFROM node:22 AS docs\nCOPY docs/ /docs\n\nFROM gcr.io/distroless/nodejs22 AS final\nCOPY --from=builder /src/dist /app\n",
      "docker/app-docs.Dockerfile":
        "FROM node:22 AS builder\nCOPY src/ /src\n\nFROM node:22 AS docs\nCOPY docs/ /docs\n\nFROM scratch\nCOPY --from=builder /src /app\n",
      "src/index.ts": "x\n",
      "docs/guide.md": "x\n",
    };
    const src = await affectedAfter(base, (r) => r.append("src/index.ts", "// x\n"));
    expect(src.report.affected.image).toEqual(["app"]);
    expect(src.report.reasons["image:app"]!.cause.via).toBe("docker/app.Dockerfile:2 COPY src/ /src");
    const docs = await affectedAfter(base, (r) => r.append("docs/guide.md", "x"));
    expect(docs.report.affected.image).toEqual(["app-docs"]);
  });

  it("an unresolvable variable in a source makes the whole context the input, and says which", async () => {
    const base = {
      "shipgraph.yaml": `images:\n${rootImage("dyn")}`,
      "docker/dyn.Dockerfile": "FROM node:22\nARG DIR\nCOPY ${DIR} /app\n",
      "anything/file.txt": "x\n",
    };
    const { report, stderr } = await affectedAfter(base, (r) => r.append("anything/file.txt", "y"));
    expect(report.affected.image).toEqual(["dyn"]);
    expect(report.reasons["image:dyn"]!.cause.via).toBe(
      "docker/dyn.Dockerfile:3 COPY ${DIR} /app: variable DIR cannot be resolved statically: the whole context counts",
    );
    // and a warning says so, with the fix: every change in the context now rebuilds it
    expect(stderr).toBe(
      "shipgraph: warning: docker/dyn.Dockerfile:3 COPY ${DIR} /app: variable DIR cannot be resolved statically: the whole context counts for image dyn (give the variable a value in shipgraph.yaml images.dyn.buildArgs)\n",
    );
    const resolved = { ...base, "docker/dyn.Dockerfile": "FROM node:22\nARG DIR=app\nCOPY ${DIR} /app\n" };
    expect(
      (await affectedAfter(resolved, (r) => r.append("anything/file.txt", "y"))).report.affected.image,
    ).toEqual([]);
    expect((await affectedAfter(resolved, (r) => r.write({ "app/x": "y" }))).report.affected.image).toEqual([
      "dyn",
    ]);
  });

  it("COPY of a prebuilt binary per ${TARGETARCH} reads that path for every architecture, not the whole context", async () => {
    const base = {
      "shipgraph.yaml": `images:\n${rootImage("cli")}`,
      "docker/cli.Dockerfile": "FROM alpine:3\nARG TARGETARCH\nCOPY dist/${TARGETARCH}/cli /usr/bin/cli\n",
      "dist/amd64/cli": "amd64\n",
      "dist/arm64/cli": "arm64\n",
      "dist/amd64/cli.sha256": "x\n",
      "docs/readme.md": "x\n",
    };
    const arm = await affectedAfter(base, (r) => r.append("dist/arm64/cli", "y"));
    expect(arm.report.affected.image).toEqual(["cli"]);
    expect(arm.report.reasons["image:cli"]!.cause.via).toBe(
      "docker/cli.Dockerfile:3 COPY dist/${TARGETARCH}/cli /usr/bin/cli",
    );
    // an architecture added later is read too
    const riscv = await affectedAfter(base, (r) => r.write({ "dist/riscv64/cli": "riscv64\n" }));
    expect(riscv.report.affected.image).toEqual(["cli"]);
    for (const other of ["docs/readme.md", "dist/amd64/cli.sha256"]) {
      const unrelated = await affectedAfter(base, (r) => r.append(other, "y"));
      expect(unrelated.report.affected.image).toEqual([]);
      expect(unrelated.stderr).toBe("");
    }
  });

  it("${TARGETVARIANT} in a COPY source is empty or one segment: bin/${TARGETVARIANT}/app reads bin/app and bin/v8/app, nothing more", async () => {
    const base = {
      "shipgraph.yaml": `images:\n${rootImage("v")}`,
      "docker/v.Dockerfile":
        "FROM alpine:3\nARG TARGETARCH TARGETVARIANT\nCOPY bin/${TARGETVARIANT}/app /usr/bin/app\nCOPY lib/${TARGETARCH}${TARGETVARIANT}.so /usr/lib/\n",
      "bin/app": "x\n",
      "bin/v8/app": "x\n",
      "bin/v8/app.sig": "x\n",
      "bin/v7/extra/app": "x\n",
      "lib/amd64.so": "x\n",
      "lib/armv7.so": "x\n",
      "lib/arm/v7.so": "x\n",
      "docs/readme.md": "x\n",
    };
    for (const read of ["bin/app", "bin/v8/app", "lib/amd64.so", "lib/armv7.so"]) {
      const run = await affectedAfter(base, (r) => r.append(read, "y"));
      expect(run.report.affected.image, read).toEqual(["v"]);
      expect(run.stderr).toBe("");
    }
    for (const other of ["bin/v8/app.sig", "bin/v7/extra/app", "lib/arm/v7.so", "docs/readme.md"]) {
      const run = await affectedAfter(base, (r) => r.append(other, "y"));
      expect(run.report.affected.image, other).toEqual([]);
    }
  });

  it("a source below a changed path reads through it only when git says it is a submodule, not a file", async () => {
    const base = {
      "shipgraph.yaml": `images:\n${rootImage("web")}`,
      "docker/web.Dockerfile":
        "FROM node:22\nCOPY packages/*/package.json ./packages/\nCOPY vendor/lib/src ./lib\n",
      "packages/a/package.json": "{}\n",
      "packages/README.md": "x\n",
    };
    const readme = await affectedAfter(base, (r) => r.append("packages/README.md", "y"));
    expect(readme.report.affected.image).toEqual([]);
    const manifest = await affectedAfter(base, (r) => r.append("packages/a/package.json", " "));
    expect(manifest.report.affected.image).toEqual(["web"]);
    // nor does a .dockerignore re-include reach through a file
    const ignoring = {
      ...base,
      "docker/web.Dockerfile": "FROM node:22\nCOPY . .\n",
      ".dockerignore": "*\n!packages/*/package.json\n",
    };
    expect(
      (await affectedAfter(ignoring, (r) => r.append("packages/README.md", "y"))).report.affected.image,
    ).toEqual([]);
    expect(
      (await affectedAfter(ignoring, (r) => r.append("packages/a/package.json", " "))).report.affected.image,
    ).toEqual(["web"]);
    // a submodule bumped at vendor/lib changes what COPY vendor/lib/src reads, unlisted by the diff
    const sub = gitRepo({ "src/index.js": "v1\n" });
    const repo = gitRepo(base);
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", sub.dir, "vendor/lib");
    repo.commit("submodule");
    repo.git("checkout", "-q", "-b", "bump");
    sub.append("src/index.js", "v2\n").commit("v2");
    repo.git("-C", "vendor/lib", "pull", "-q", "origin", "main");
    repo.commit("bump");
    const run = await affectedIn(repo);
    expect(run.affected.image).toEqual(["web"]);
  });

  it("a source below a changed link reads through it: vendor retargeted changes COPY vendor/lib/src", async () => {
    const base = {
      "shipgraph.yaml": `images:\n${rootImage("web")}`,
      "docker/web.Dockerfile": "FROM node:22\nCOPY vendor/lib/src ./lib\n",
      "v1/lib/src/index.js": "v1\n",
      "v2/lib/src/index.js": "v2\n",
    };
    const linked = (target: string) => (r: TestRepo) => {
      r.remove("vendor");
      symlinkSync(target, join(r.dir, "vendor"));
    };
    const repo = gitRepo(base);
    symlinkSync("v1", join(repo.dir, "vendor"));
    repo.commit("link");
    repo.git("checkout", "-q", "-b", "retarget");
    linked("v2")(repo);
    repo.commit("retarget");
    const run = await affectedIn(repo);
    expect(run.affected.image).toEqual(["web"]);
  });

  it("a path a file in the commits but a link in the working tree: --uncommitted reads through it", async () => {
    const repo = gitRepo({
      "shipgraph.yaml": `images:\n${rootImage("web")}`,
      "docker/web.Dockerfile": "FROM node:22\nCOPY vendor/lib/src ./lib\n",
      vendor: "a placeholder\n",
      "v1/lib/src/index.js": "v1\n",
    });
    repo.git("checkout", "-q", "-b", "change");
    repo.append("vendor", "edited\n").commit("edit");
    // not committed: vendor is now a link to a directory holding lib/src
    repo.remove("vendor");
    symlinkSync("v1", join(repo.dir, "vendor"));
    const run = await shipgraph(repo.dir, [
      "affected",
      "--base",
      "main",
      "--uncommitted",
      "--format",
      "json",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.json<Report>().affected.image).toEqual(["web"]);
  });

  it("COPY --exclude=**/name leaves what it names out; other --exclude forms are not applied (the safe side)", async () => {
    const dockerfile = (exclude: string) =>
      `# syntax=docker/dockerfile:1.10\nFROM node:22\nARG T=test\nCOPY ${exclude} app/src /src\n`;
    const base = (exclude: string) => ({
      "shipgraph.yaml": `images:\n${rootImage("app")}`,
      "docker/app.Dockerfile": dockerfile(exclude),
      "app/src/a.ts": "a\n",
      "app/src/lib/a.test.ts": "t\n",
    });
    const imagesAfter = async (exclude: string, file: string) =>
      (await affectedAfter(base(exclude), (r) => r.append(file, "// x\n"))).report.affected.image;
    expect(await imagesAfter("--exclude=**/*.test.ts", "app/src/lib/a.test.ts")).toEqual([]);
    expect(
      await imagesAfter("--exclude=**/*.${T}.ts --exclude=**/__tests__", "app/src/lib/a.test.ts"),
    ).toEqual([]);
    expect(await imagesAfter("--exclude=**/*.test.ts", "app/src/a.ts")).toEqual(["app"]);
    // relative to the source or to the context? BuildKit's answer is not assumed: not applied
    expect(await imagesAfter("--exclude=lib/*.test.ts", "app/src/lib/a.test.ts")).toEqual(["app"]);
    expect(await imagesAfter("--exclude=**/*.${NOPE}.ts", "app/src/lib/a.test.ts")).toEqual(["app"]);
  });

  it("a configured build arg overrides the ARG default", async () => {
    const base = {
      "shipgraph.yaml": `images:\n${rootImage("svc", "    buildArgs: { SERVICE: orders }\n")}`,
      "docker/svc.Dockerfile": "FROM node:22\nARG SERVICE=api\nCOPY services/${SERVICE}/ /app\n",
      "services/api/index.ts": "x\n",
      "services/orders/index.ts": "x\n",
    };
    expect(
      (await affectedAfter(base, (r) => r.append("services/api/index.ts", "y"))).report.affected.image,
    ).toEqual([]);
    expect(
      (await affectedAfter(base, (r) => r.append("services/orders/index.ts", "y"))).report.affected.image,
    ).toEqual(["svc"]);
  });

  it("heredoc bodies are data, not instructions; COPY <<EOF has no context source", async () => {
    const base = {
      "shipgraph.yaml": `images:\n${rootImage("h")}`,
      "docker/h.Dockerfile":
        "# syntax=docker/dockerfile:1\nFROM alpine\nRUN <<EOF\necho building\nCOPY secret/ /x\nEOF\nCOPY <<-CONF /etc/app.conf\n\tkey=value\n\tCONF\nCOPY app/ /app\n",
      "secret/token": "x\n",
      "app/main.sh": "x\n",
    };
    expect((await affectedAfter(base, (r) => r.append("secret/token", "y"))).report.affected.image).toEqual(
      [],
    );
    expect((await affectedAfter(base, (r) => r.append("app/main.sh", "y"))).report.affected.image).toEqual([
      "h",
    ]);
  });

  it("JSON-form sources with spaces, line continuations, and RUN --mount=type=bind sources", async () => {
    const base = {
      "shipgraph.yaml": `images:\n${rootImage("j")}`,
      "docker/j.Dockerfile":
        'FROM node:22\nCOPY ["my dir/file one.txt", "/app/"]\nRUN --mount=type=bind,source=scripts,target=/scripts \\\n    # a comment inside the continuation\n    /scripts/build.sh\nRUN --mount=type=cache,target=/root/.cache echo cached\n',
      "my dir/file one.txt": "x\n",
      "scripts/build.sh": "x\n",
      "other/file": "x\n",
    };
    const spaced = await affectedAfter(base, (r) => r.append("my dir/file one.txt", "y"));
    expect(spaced.report.affected.image).toEqual(["j"]);
    const mounted = await affectedAfter(base, (r) => r.append("scripts/build.sh", "y"));
    expect(mounted.report.reasons["image:j"]!.cause.via).toBe(
      "docker/j.Dockerfile:3 RUN --mount=type=bind,source=scripts,target=/scripts",
    );
    expect((await affectedAfter(base, (r) => r.append("other/file", "y"))).report.affected.image).toEqual([]);
  });

  it("a bind mount's source is a path (source=conf/a[1].txt mounts that file); a COPY source is a pattern as BuildKit matches it", async () => {
    const base = {
      "shipgraph.yaml": `images:\n${rootImage("m")}${rootImage("c")}`,
      "docker/m.Dockerfile":
        "FROM alpine:3\nRUN --mount=type=bind,source=conf/a[1].txt,target=/a.txt cat /a.txt\n",
      // filepath.Match: [1] is a class (b1.txt), \[ an escaped [ (c[1].txt)
      "docker/c.Dockerfile": "FROM alpine:3\nCOPY conf/b[1].txt /b/\nCOPY 'conf/c\\[1]*.txt' /c/\n",
      "conf/a[1].txt": "x\n",
      "conf/a1.txt": "x\n",
      "conf/b[1].txt": "x\n",
      "conf/b1.txt": "x\n",
      "conf/c[1].txt": "x\n",
      "conf/c1.txt": "x\n",
    };
    const cases: [string, string[]][] = [
      ["conf/a[1].txt", ["m"]],
      ["conf/a1.txt", []],
      ["conf/b1.txt", ["c"]],
      ["conf/b[1].txt", []],
      ["conf/c[1].txt", ["c"]],
      ["conf/c1.txt", []],
    ];
    for (const [file, images] of cases) {
      const run = await affectedAfter(base, (r) => r.append(file, "y"));
      expect(run.report.affected.image, file).toEqual(images);
    }
  });

  it("a cache mount seeded from= a stage reads what that stage copies; from= an in-repo image depends on it", async () => {
    const base = {
      "shipgraph.yaml":
        "images:\n  api: { context: ., dockerfile: svc/api/Dockerfile }\n  seed: { context: seed, ref: ghcr.io/acme/seed }\n  web: { context: web }\n",
      "svc/api/Dockerfile":
        "FROM alpine AS seed\nCOPY svc/api/seed.db /seed/seed.db\nFROM alpine\nRUN --mount=type=cache,target=/cache,from=seed,source=/seed cp /cache/seed.db /srv/\n",
      "svc/api/seed.db": "1\n",
      "seed/Dockerfile": "FROM alpine\nCOPY data /data\n",
      "seed/data": "1\n",
      "web/Dockerfile":
        "FROM alpine\nRUN --mount=type=cache,target=/c,from=ghcr.io/acme/seed:1,source=/data true\n",
    };
    const db = await affectedAfter(base, (r) => r.append("svc/api/seed.db", "2\n"));
    expect(db.report.affected.image).toEqual(["api"]);
    expect(db.report.reasons["image:api"]!.cause.via).toBe(
      "svc/api/Dockerfile:2 COPY svc/api/seed.db /seed/seed.db",
    );
    const data = await affectedAfter(base, (r) => r.append("seed/data", "2\n"));
    expect(data.report.affected.image).toEqual(["seed", "web"]);
    expect(data.report.reasons["image:web"]!.chain).toEqual(["image:seed", "image:web"]);
  });

  it("a mount's type through a variable is expanded; one without a value reads as a bind mount", async () => {
    const base = {
      "shipgraph.yaml":
        "images:\n  api: { context: ., dockerfile: docker/api.Dockerfile }\n  web: { context: ., dockerfile: docker/web.Dockerfile }\n  job: { context: ., dockerfile: docker/job.Dockerfile }\n",
      "docker/api.Dockerfile":
        "FROM alpine\nARG T=bind\nRUN --mount=type=$T,source=scripts,target=/s /s/run.sh\n",
      "docker/web.Dockerfile":
        "FROM alpine\nARG T=cache\nRUN --mount=type=${T},source=scripts,target=/s true\n",
      "docker/job.Dockerfile": "FROM alpine\nARG T\nRUN --mount=type=$T,source=scripts,target=/s /s/run.sh\n",
      "scripts/run.sh": "1\n",
    };
    const { report } = await affectedAfter(base, (r) => r.append("scripts/run.sh", "2\n"));
    expect(report.affected.image).toEqual(["api", "job"]);
    expect(report.reasons["image:api"]!.cause.via).toBe(
      "docker/api.Dockerfile:3 RUN --mount=type=$T,source=scripts,target=/s",
    );
  });

  it("an ONBUILD trigger's --from names a stage of the child's build (it counts) or an in-repo image (a dependency)", async () => {
    const base = {
      "shipgraph.yaml":
        "images:\n  base: { context: base, ref: ghcr.io/acme/ob }\n  tools: { context: tools, ref: ghcr.io/acme/tools }\n  child: { context: child }\n",
      "base/Dockerfile":
        "FROM alpine\nONBUILD COPY --from=builder /out /app\nONBUILD RUN --mount=type=bind,from=ghcr.io/acme/tools:1,target=/t /t/x\n",
      "tools/Dockerfile": "FROM alpine\nCOPY x /x\n",
      "tools/x": "1\n",
      // the builder stage is reached only through the base's trigger
      "child/Dockerfile":
        "FROM node:22 AS builder\nCOPY src /src\nRUN build\nFROM ghcr.io/acme/ob:1\nCOPY main.js /app/\n",
      "child/src/a.js": "1\n",
      "child/main.js": "1\n",
    };
    const src = await affectedAfter(base, (r) => r.append("child/src/a.js", "2\n"));
    expect(src.report.affected.image).toEqual(["child"]);
    expect(src.report.reasons["image:child"]!.cause.via).toBe("child/Dockerfile:2 COPY src /src");
    const tools = await affectedAfter(base, (r) => r.append("tools/x", "2\n"));
    expect(tools.report.affected.image).toEqual(["child", "tools"]);
  });

  it("quoted sources and ${X:-$Y} defaults are read as BuildKit reads them; what cannot be read counts whole", async () => {
    const base = {
      "shipgraph.yaml": `images:\n${rootImage("api")}${rootImage("web")}${rootImage("odd")}`,
      "docker/api.Dockerfile": 'FROM alpine\nCOPY "svc/api/app.sh" /app.sh\n',
      "docker/web.Dockerfile":
        "FROM scratch\nARG DIR=svc/web\nENV FALLBACK=svc/web\nCOPY \"${DIR}/app.sh\" /a.sh\nCOPY ${SRC:-$FALLBACK}/b.sh /b.sh\nCOPY '$DIR' /literal\n",
      "docker/odd.Dockerfile": 'FROM alpine\nCOPY "svc/odd/app.sh /app.sh\n',
      "svc/api/app.sh": "1\n",
      "svc/web/app.sh": "1\n",
      "svc/web/b.sh": "1\n",
      "svc/odd/app.sh": "1\n",
      "other/file": "1\n",
    };
    const all = await affectedAfter(base, (r) =>
      r.append("svc/api/app.sh", "2\n").append("svc/web/app.sh", "2\n").append("svc/web/b.sh", "2\n"),
    );
    expect(all.report.affected.image).toEqual(["api", "odd", "web"]);
    const b = await affectedAfter(base, (r) => r.append("svc/web/b.sh", "2\n"));
    expect(b.report.affected.image).toEqual(["odd", "web"]);
    expect(b.report.reasons["image:web"]!.cause.via).toBe(
      "docker/web.Dockerfile:5 COPY ${SRC:-$FALLBACK}/b.sh /b.sh",
    );
    // single quotes: the file named $DIR, not svc/web
    const literal = await affectedAfter(base, (r) => r.write({ $DIR: "x\n" }));
    expect(literal.report.affected.image).toEqual(["odd", "web"]);
    // an unclosed quote: BuildKit's lexer rejects it, so every change in the context counts, said aloud
    const other = await affectedAfter(base, (r) => r.append("other/file", "2\n"));
    expect(other.report.affected.image).toEqual(["odd"]);
    expect(other.stderr).toContain(
      `docker/odd.Dockerfile:2 COPY "svc/odd/app.sh /app.sh: "svc/odd/app.sh cannot be read as BuildKit's lexer reads it (no closing ")`,
    );
  });

  it("a missing Dockerfile falls back to the whole context, with a warning", async () => {
    const base = { "shipgraph.yaml": "images:\n  ghost:\n    context: ghost\n", "ghost/a.txt": "x\n" };
    const { report, stderr } = await affectedAfter(base, (r) => r.append("ghost/a.txt", "y"));
    expect(report.affected.image).toEqual(["ghost"]);
    expect(stderr).toContain("ghost/Dockerfile is not a tracked file: the whole context counts");
  });

  it("without a Dockerfile, BuildKit reads the dockerfile beside it: that is the Dockerfile", async () => {
    const base = {
      "shipgraph.yaml": "images:\n  app:\n    context: app\n    dockerfile: docker/Dockerfile\n",
      "docker/dockerfile": "FROM alpine\nCOPY src /src\n",
      "app/src/a.txt": "x\n",
      "app/other.txt": "x\n",
    };
    const edit = await affectedAfter(base, (r) => r.append("docker/dockerfile", "RUN true\n"));
    expect(edit.report.affected.image).toEqual(["app"]);
    expect(edit.stderr).toBe("");
    const other = await affectedAfter(base, (r) => r.append("app/other.txt", "y"));
    expect(other.report.affected.image).toEqual([]);
  });
});

describe("in-repo base images", () => {
  const files = {
    "shipgraph.yaml":
      "images:\n  base:\n    context: base\n    ref: ghcr.io/acme/base\n  runtime:\n    context: runtime\n    ref: registry.acme.dev:5000/acme/runtime\n  api:\n    context: api\n  worker:\n    context: worker\n",
    "base/Dockerfile": "FROM debian:12\nCOPY setup.sh /\n",
    "base/setup.sh": "x\n",
    "runtime/Dockerfile": "ARG BASE=ghcr.io/acme/base:1.4@sha256:abc\nFROM ${BASE}\nCOPY rt.sh /\n",
    "runtime/rt.sh": "x\n",
    "api/Dockerfile": "FROM registry.acme.dev:5000/acme/runtime:latest\nCOPY . /app\n",
    "api/main.go": "x\n",
    "worker/Dockerfile":
      "FROM golang:1.22 AS build\nCOPY . /src\nFROM scratch\nCOPY --from=ghcr.io/acme/base:2 /etc/ssl /etc/ssl\nCOPY --from=build /src/bin /bin\n",
    "worker/main.go": "x\n",
  };

  it("FROM and COPY --from naming a configured ref make the image depend on it, built level by level", async () => {
    const { report } = await affectedAfter(files, (r) => r.append("base/setup.sh", "y"));
    expect(report.affected.image).toEqual(["api", "base", "runtime", "worker"]);
    expect(report.matrix.include.map((e) => [e.image, e.level])).toEqual([
      ["api", 2],
      ["base", 0],
      ["runtime", 1],
      ["worker", 1],
    ]);
    expect(report.reasons["image:api"]!.chain).toEqual(["image:base", "image:runtime", "image:api"]);
  });

  it("a Docker Hub ref matches the FROM however it is spelt (acme/base = docker.io/acme/base)", async () => {
    const hub = {
      "shipgraph.yaml":
        "images:\n  base:\n    context: base\n    ref: acme/base\n  child:\n    context: child\n",
      "base/Dockerfile": "FROM alpine\nCOPY x /x\n",
      "base/x": "x\n",
      "child/Dockerfile": 'FROM docker.io/acme/base:1\nCMD ["x"]\n',
    };
    const { report } = await affectedAfter(hub, (r) => r.append("base/x", "y"));
    expect(report.matrix.include.map((e) => [e.image, e.level])).toEqual([
      ["base", 0],
      ["child", 1],
    ]);
  });

  it("ONBUILD COPY in an in-repo base image reads the child's context", async () => {
    const onbuild = {
      "shipgraph.yaml":
        "images:\n  base:\n    context: base\n    ref: ghcr.io/acme/onbuild-base\n  child:\n    context: child\n",
      "base/Dockerfile": "FROM node:22\nONBUILD COPY lib /app/lib\n",
      "child/Dockerfile": "FROM ghcr.io/acme/onbuild-base:1\nCOPY main.js /app/\n",
      "child/lib/util.js": "x\n",
      "child/main.js": "x\n",
      "child/notes.txt": "x\n",
    };
    const lib = await affectedAfter(onbuild, (r) => r.append("child/lib/util.js", "y"));
    expect(lib.report.affected.image).toEqual(["child"]);
    expect(lib.report.reasons["image:child"]!.cause.via).toBe(
      "base/Dockerfile:2 ONBUILD COPY lib /app/lib (in a base image)",
    );
    expect(
      (await affectedAfter(onbuild, (r) => r.append("child/notes.txt", "y"))).report.affected.image,
    ).toEqual([]);
  });

  it("an ONBUILD trigger is expanded with the image's final ENV, and runs in a stage of its own Dockerfile built on it", async () => {
    const child = (base: string) => ({
      "shipgraph.yaml":
        "images:\n  base:\n    context: base\n    ref: ghcr.io/acme/base\n  child:\n    context: child\n",
      "base/Dockerfile": base,
      "child/Dockerfile": "FROM alpine AS builder\nCOPY src /src\nFROM ghcr.io/acme/base\n",
      "child/lib/a": "1\n",
      "child/src/a": "1\n",
    });
    const from = child("FROM alpine\nENV B=alpine\nONBUILD COPY --from=$B /out /app\nENV B=builder\n");
    expect((await affectedAfter(from, (r) => r.append("child/src/a", "2\n"))).report.affected.image).toEqual([
      "child",
    ]);
    const copy = child("FROM alpine\nENV DIR=src\nONBUILD COPY $DIR /app\nENV DIR=lib\n");
    expect((await affectedAfter(copy, (r) => r.append("child/lib/a", "2\n"))).report.affected.image).toEqual([
      "child",
    ]);
    const same = {
      "shipgraph.yaml": "images:\n  app:\n    context: app\n",
      "app/Dockerfile":
        "FROM alpine AS builder\nCOPY src /src\nRUN build\nFROM alpine AS tmpl\nONBUILD COPY --from=builder /out /app/out\nFROM tmpl\n",
      "app/src/main.c": "1\n",
    };
    expect(
      (await affectedAfter(same, (r) => r.append("app/src/main.c", "2\n"))).report.affected.image,
    ).toEqual(["app"]);
  });

  it("built from an image, ${X:-word} of a variable the Dockerfile never declares is unknown (the base's ENV may set it)", async () => {
    const files = {
      "shipgraph.yaml":
        "images:\n  x: { context: x, ref: ghcr.io/acme/x }\n  a: { context: a, ref: ghcr.io/acme/a }\n  c: { context: c }\n  d: { context: d }\n  e: { context: e }\n",
      "x/Dockerfile": "FROM alpine\nENV APP_DIR=lib\n",
      "a/Dockerfile": "FROM ghcr.io/acme/x\nONBUILD COPY ${APP_DIR:-src} /app\n",
      "c/Dockerfile": "FROM ghcr.io/acme/a\n",
      "c/lib/code.txt": "1\n",
      // an external base too: BuildKit expands words with every base image's ENV
      // (dockerfile2llb dispatchStages adds d.image.Config.Env to the state getEnv reads)
      "d/Dockerfile": "FROM python:3.12\nCOPY ${PYTHON_VERSION:-src} /app\n",
      "d/3.12.1/code.txt": "1\n",
      // scratch has no ENV (but PATH): the default stands
      "e/Dockerfile": "FROM scratch\nCOPY ${APP_DIR:-src} /app\n",
      "e/lib/code.txt": "1\n",
    };
    const lib = await affectedAfter(files, (r) => r.append("c/lib/code.txt", "2\n"));
    expect(lib.report.affected.image).toEqual(["c"]);
    const external = await affectedAfter(files, (r) => r.append("d/3.12.1/code.txt", "2\n"));
    expect(external.report.affected.image).toEqual(["d"]);
    expect(external.stderr).toContain("variable PYTHON_VERSION cannot be resolved statically");
    expect(
      (await affectedAfter(files, (r) => r.append("e/lib/code.txt", "2\n"))).report.affected.image,
    ).toEqual([]);
  });

  it("a FROM whose variable has no value may be any in-repo image: it depends on each, until a build arg names one", async () => {
    const unresolved = {
      "shipgraph.yaml":
        "images:\n  base:\n    context: base\n    ref: ghcr.io/acme/base\n  other:\n    context: other\n    ref: ghcr.io/acme/other\n  child:\n    context: child\n",
      "base/Dockerfile": "FROM alpine\nCOPY x /x\n",
      "base/x": "x\n",
      "other/Dockerfile": "FROM alpine\nCOPY y /y\n",
      "other/y": "y\n",
      "child/Dockerfile": 'ARG BASE\nFROM ${BASE}\nCMD ["x"]\n',
    };
    const { report, stderr, repo } = await affectedAfter(unresolved, (r) => r.append("base/x", "y"));
    expect(report.affected.image).toEqual(["base", "child"]);
    // a possible base orders no build: the child's level does not count it
    expect(report.matrix.include.map((e) => [e.image, e.level])).toEqual([
      ["base", 0],
      ["child", 0],
    ]);
    const graph = await shipgraph(repo.dir, ["graph", "--format", "json"]);
    expect(graph.json<{ edges: { from: string; to: string; kind: string }[] }>().edges).toContainEqual(
      expect.objectContaining({ from: "image:child", to: "image:base", kind: "may-base" }),
    );
    expect(stderr).toContain(
      "BASE cannot be resolved; every stage counts, and every in-repo image may be its base",
    );
    // with the value CI passes, only that base counts
    const named = {
      ...unresolved,
      "shipgraph.yaml": unresolved["shipgraph.yaml"].replace(
        "context: child\n",
        "context: child\n    buildArgs: { BASE: ghcr.io/acme/other:1 }\n",
      ),
    };
    expect((await affectedAfter(named, (r) => r.append("base/x", "y"))).report.affected.image).toEqual([
      "base",
    ]);
    expect((await affectedAfter(named, (r) => r.append("other/y", "z"))).report.affected.image).toEqual([
      "child",
      "other",
    ]);
  });

  it("two in-repo bases each FROM a variable without a value: no cycle, and each follows the other", async () => {
    const files = {
      "shipgraph.yaml":
        "images:\n  node-base:\n    context: node\n    ref: ghcr.io/acme/node-base\n  py-base:\n    context: py\n    ref: ghcr.io/acme/py-base\n",
      "node/Dockerfile": "ARG UPSTREAM\nFROM ${UPSTREAM}\nCOPY n /n\n",
      "node/n": "n\n",
      "py/Dockerfile": "ARG UPSTREAM\nFROM ${UPSTREAM}\nCOPY p /p\n",
      "py/p": "p\n",
    };
    const readme = await affectedAfter(files, (r) => r.write({ "README.md": "x\n" }));
    expect(readme.report.affected.image).toEqual([]);
    expect((await affectedAfter(files, (r) => r.append("node/n", "y"))).report.affected.image).toEqual([
      "node-base",
      "py-base",
    ]);
  });

  it("a target that names no stage is a config error naming the image and the stages", async () => {
    const repo = gitRepo({
      "shipgraph.yaml": "images:\n  svc:\n    context: svc\n    target: nope\n",
      "svc/Dockerfile": "FROM node AS build\nCOPY a.js /a\nFROM alpine AS final\nCOPY b.js /b\n",
      "svc/a.js": "a\n",
      "svc/b.js": "b\n",
    });
    const run = await shipgraph(repo.dir, ["affected", "--base", "HEAD", "--format", "json"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'shipgraph.yaml:4 images.svc.target: svc/Dockerfile has no stage "nope" (its named stages: build, final)',
    );
  });

  it("--format github writes one matrix per level so bases build first", async () => {
    const repo = gitRepo(files);
    repo.git("checkout", "-q", "-b", "change");
    repo.append("runtime/rt.sh", "y").commit();
    const output = join(tempDir(), "out");
    writeFileSync(output, "");
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "github"], {
      env: cleanEnv({ GITHUB_OUTPUT: output }),
    });
    expect(run.code).toBe(0);
    const lines = Object.fromEntries(
      readFileSync(output, "utf8")
        .trim()
        .split("\n")
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    expect(lines.matrix_level_0).toBe('{"include":[]}');
    expect(lines.has_work_level_0).toBe("false");
    expect(JSON.parse(lines.matrix_level_1!).include.map((e: { image: string }) => e.image)).toEqual([
      "runtime",
    ]);
    expect(JSON.parse(lines.matrix_level_2!).include.map((e: { image: string }) => e.image)).toEqual(["api"]);
    expect(lines.has_work_level_2).toBe("true");
  });
});

describe("build args from dotenv files", () => {
  const files = {
    "shipgraph.yaml": "images:\n  app:\n    context: app\n    buildArgsFrom: [.env]\n",
    "app/Dockerfile": "FROM node:22\nARG NODE_VERSION\nARG FEATURE_FLAGS=\nCOPY . /app\n",
    "app/index.js": "x\n",
    ".env": "# shared settings\nNODE_VERSION=22.1\nFEATURE_FLAGS=a,b\nDATABASE_URL=postgres://db\n",
  };

  it("a change to a variable the Dockerfile declares as ARG affects the image; others do not", async () => {
    const unrelated = await affectedAfter(files, (r) =>
      r.write({
        ".env": "# shared settings\nNODE_VERSION=22.1\nFEATURE_FLAGS=a,b\nDATABASE_URL=postgres://other\n",
      }),
    );
    expect(unrelated.report.affected.image).toEqual([]);
    expect(unrelated.report.unownedFiles).toEqual([]);
    const read = await affectedAfter(files, (r) =>
      r.write({
        ".env": "# shared settings\nNODE_VERSION=22.2\nFEATURE_FLAGS=a,b\nDATABASE_URL=postgres://db\n",
      }),
    );
    expect(read.report.affected.image).toEqual(["app"]);
    expect(read.report.reasons["image:app"]!.cause.via).toBe("ARG NODE_VERSION from .env");
  });

  it("its values resolve the Dockerfile's ARGs in COPY sources (over ARG defaults), as the build gets them", async () => {
    const conf = {
      "shipgraph.yaml": "images:\n  app:\n    context: app\n    buildArgsFrom: [.env]\n",
      "app/Dockerfile": "FROM node:22\nARG CONF=default\nCOPY ${CONF} /conf\n",
      "app/default/x": "x\n",
      "app/prod/x": "x\n",
      ".env": "CONF=prod\n",
    };
    // before, the ARG default was taken: prod/ (what the build copies) counted for nothing
    expect((await affectedAfter(conf, (r) => r.append("app/prod/x", "y"))).report.affected.image).toEqual([
      "app",
    ]);
    expect((await affectedAfter(conf, (r) => r.append("app/default/x", "y"))).report.affected.image).toEqual(
      [],
    );
    // a value the dotenv does not give: the default, as before
    const unset = { ...conf, ".env": "OTHER=1\n" };
    expect((await affectedAfter(unset, (r) => r.append("app/default/x", "y"))).report.affected.image).toEqual(
      ["app"],
    );
  });

  it("a dotenv file that cannot be parsed counts whole", async () => {
    const broken = await affectedAfter(files, (r) =>
      r.write({ ".env": "NODE_VERSION=22.1\nthis is not dotenv\n" }),
    );
    expect(broken.report.affected.image).toEqual(["app"]);
    expect(broken.report.reasons["image:app"]!.cause.via).toBe(
      ".env could not be compared: the whole file counts",
    );
  });
});

describe("a 20-image repository built from the root context", () => {
  it("a shared-directory change rebuilds exactly the images that copy it (the naive Dockerfile-directory rule would rebuild none)", async () => {
    const files: Record<string, string> = { "shared/lib/util.ts": "x\n", "shared/proto/pb.ts": "x\n" };
    let config = "images:\n";
    const copiesLib: string[] = [];
    for (let i = 0; i < 20; i++) {
      const name = `svc${String(i).padStart(2, "0")}`;
      const usesLib = i % 3 === 0;
      if (usesLib) copiesLib.push(name);
      files[`services/${name}/Dockerfile`] =
        `FROM node:22\nWORKDIR /app\nCOPY services/${name}/ ./\n${usesLib ? "COPY shared/lib/ ./lib\n" : ""}COPY shared/proto/ ./proto\n`;
      files[`services/${name}/index.ts`] = "x\n";
      config += `  ${name}:\n    context: .\n    dockerfile: services/${name}/Dockerfile\n`;
    }
    files["shipgraph.yaml"] = config;
    const { report } = await affectedAfter(files, (r) => r.append("shared/lib/util.ts", "y"));
    expect(report.affected.image).toEqual(copiesLib);
    expect(copiesLib).toHaveLength(7);
    // "rebuild when the Dockerfile's own directory changed" selects nothing here: the silent skip
    const naive = Object.keys(files).filter(
      (f) => f.endsWith("/Dockerfile") && "shared/lib/util.ts".startsWith(f.replace(/Dockerfile$/, "")),
    );
    expect(naive).toEqual([]);
    const own = await affectedAfter(files, (r) => r.append("services/svc05/index.ts", "y"));
    expect(own.report.affected.image).toEqual(["svc05"]);
  });
});

describe("an image copying a package's build output (nothing tracked where it copies from)", () => {
  const files = {
    "pnpm-workspace.yaml": "packages:\n  - packages/*\n  - services/*\n",
    "package.json": '{"name":"root","private":true}\n',
    ".gitignore": "dist\n",
    "packages/lib/package.json": '{"name":"@t/lib"}\n',
    "packages/lib/src/index.ts": "export const x = 1;\n",
    "services/api/package.json": '{"name":"api","dependencies":{"@t/lib":"workspace:*"}}\n',
    "services/api/src/index.ts": "import '@t/lib';\n",
    "services/api/README.md": "api\n",
    // built outside docker, then copied: from the package's own context, and from the root
    "services/api/Dockerfile": "FROM node:22\nCOPY dist ./dist\n",
    "docker/api-root.Dockerfile": "FROM node:22\nCOPY services/api/dist /app/dist\n",
    // copies tracked sources only
    "services/web/package.json": '{"name":"web","dependencies":{"@t/lib":"workspace:*"}}\n',
    "services/web/src/index.ts": "import '@t/lib';\n",
    "services/web/README.md": "web\n",
    "services/web/Dockerfile": "FROM node:22\nCOPY src ./src\n",
    "shipgraph.yaml":
      "unowned: ignore\nimages:\n  api: { context: services/api }\n  api-root: { context: ., dockerfile: docker/api-root.Dockerfile }\n  web: { context: services/web }\n",
  };
  type Noted = Report & { notes: string[] };

  it("the package's own changes affect it, and so do its dependencies', with a note", async () => {
    const { report } = await affectedAfter(files, (r) => r.append("services/api/src/index.ts", "// x\n"));
    expect(report.affected.image).toEqual(["api", "api-root"]);
    expect(report.reasons["image:api-root"]!.chain).toEqual(["package:api", "image:api-root"]);
    expect((report as Noted).notes).toEqual([
      "image:api copies services/api/dist (services/api/Dockerfile:2 COPY dist ./dist), where no file is tracked: it is taken as the build output of package:api, so what affects package:api affects image:api",
      "image:api-root copies services/api/dist (docker/api-root.Dockerfile:2 COPY services/api/dist /app/dist), where no file is tracked: it is taken as the build output of package:api, so what affects package:api affects image:api-root",
    ]);
    const dep = await affectedAfter(files, (r) => r.append("packages/lib/src/index.ts", "// x\n"));
    // web copies its tracked src: its own dependency changes reach it through its context package
    expect(dep.report.affected.image).toEqual(["api", "api-root", "web"]);
    expect(dep.report.reasons["image:api-root"]!.chain).toEqual([
      "package:@t/lib",
      "package:api",
      "image:api-root",
    ]);
  });

  it("also when the output is on disk (built, ignored by git); an image copying tracked files stays precise", async () => {
    const { report } = await affectedAfter(files, (r) => {
      r.write({ "services/api/dist/index.js": "built\n", "services/web/dist/index.js": "built\n" });
      r.append("services/api/README.md", "more\n").append("services/web/README.md", "more\n");
    });
    expect(report.affected.image).toEqual(["api", "api-root"]);
    expect(report.affected.package).toEqual(["api", "web"]);
  });

  it("a directory git ignores is build output, though a file in it is tracked (a force-added .gitkeep), by path or by glob", async () => {
    for (const copy of ["COPY services/api/dist /app/dist", "COPY services/*/dist /app/"]) {
      const repo = gitRepo({ ...files, "docker/api-root.Dockerfile": `FROM node:22\n${copy}\n` });
      repo.write({ "services/api/dist/.gitkeep": "" });
      repo.git("add", "-f", "services/api/dist/.gitkeep");
      repo.commit("keep dist");
      repo.git("checkout", "-q", "-b", "change");
      repo.append("services/api/src/index.ts", "// x\n").commit();
      const run = await affectedIn(repo);
      expect(run.affected.image, copy).toEqual(["api", "api-root"]);
    }
  });

  it("build output outside every package (dist/apps/api) is warned about, until dependsOn declares its maker", async () => {
    const nx = {
      ...files,
      "docker/nx.Dockerfile": "FROM node:22\nCOPY dist/apps/api /app\n",
      "shipgraph.yaml": `${files["shipgraph.yaml"]}  nx: { context: ., dockerfile: docker/nx.Dockerfile }\n`,
    };
    const { stderr } = await affectedAfter(nx, (r) => r.append("services/api/src/index.ts", "// x\n"));
    expect(stderr).toContain(
      "shipgraph: warning: docker/nx.Dockerfile:2 COPY dist/apps/api /app: nothing is tracked at dist/apps/api and no workspace package holds it: if it is build output, shipgraph cannot tell what makes it; declare that with images.nx.dependsOn (for example package:<name>)",
    );
    const declared = {
      ...nx,
      "shipgraph.yaml": `${files["shipgraph.yaml"]}  nx: { context: ., dockerfile: docker/nx.Dockerfile, dependsOn: [package:api] }\n`,
    };
    const after = await affectedAfter(declared, (r) => r.append("services/api/src/index.ts", "// x\n"));
    expect(after.stderr).toBe("");
    expect(after.report.affected.image).toContain("nx");
    // an ONBUILD trigger reads its children's contexts, not the base's own: no warning for it
    const onbuild = {
      ...files,
      "docker/base/Dockerfile": "FROM node:22\nONBUILD COPY dist ./dist\n",
      "shipgraph.yaml": `${files["shipgraph.yaml"]}  base: { context: docker/base, ref: ghcr.io/t/base }\n`,
    };
    const base = await affectedAfter(onbuild, (r) => r.append("services/api/src/index.ts", "// x\n"));
    expect(base.stderr).toBe("");
  });

  it("a glob source reaching a package's build output (COPY dist*, COPY services/*/dist) follows it; one selecting tracked files does not", async () => {
    const globs = {
      ...files,
      "services/api/Dockerfile": "FROM node:22\nCOPY dist* ./\n",
      "docker/api-root.Dockerfile": "FROM node:22\nCOPY services/*/dist /app/\n",
      "docker/manifests.Dockerfile": "FROM node:22\nCOPY services/*/package.json /app/\n",
      "shipgraph.yaml": `${files["shipgraph.yaml"]}  manifests: { context: ., dockerfile: docker/manifests.Dockerfile }\n`,
    };
    const own = await affectedAfter(globs, (r) => r.append("services/api/src/index.ts", "// x\n"));
    expect(own.report.affected.image).toEqual(["api", "api-root"]);
    // web is under services/ too: api-root copies its dist as well
    const web = await affectedAfter(globs, (r) => r.append("services/web/src/index.ts", "// x\n"));
    expect(web.report.affected.image).toEqual(["api-root", "web"]);
    expect(web.report.reasons["image:api-root"]!.chain).toEqual(["package:web", "image:api-root"]);
  });

  it("install files' optional globs, and globs that cannot reach into a package, are not build output", async () => {
    const idioms = {
      ...files,
      // Next.js's sample: lockfiles copied if present; and root files by a one-segment glob
      "services/web/Dockerfile":
        "FROM node:22\nCOPY package.json yarn.lock* pnpm-lock.yaml* ./\nCOPY src ./src\n",
      "docker/api-root.Dockerfile": "FROM node:22\nCOPY package*.json pnpm-*.yaml ./\n",
    };
    const readme = await affectedAfter(idioms, (r) =>
      r.append("services/web/README.md", "more\n").append("services/api/src/index.ts", "// x\n"),
    );
    expect(readme.report.affected.image).toEqual(["api"]);
  });

  it("a named build context (additionalContexts) at a package's untracked build output follows the package", async () => {
    const named = {
      ...files,
      "services/web/Dockerfile": "FROM node:22\nCOPY --from=apidist . /app/dist\n",
      "shipgraph.yaml":
        "unowned: ignore\nimages:\n  web: { context: services/web, additionalContexts: { apidist: services/api/dist } }\n",
    };
    const { report } = await affectedAfter(named, (r) => r.append("services/api/src/index.ts", "// x\n"));
    expect(report.affected.image).toEqual(["web"]);
    expect(report.reasons["image:web"]!.chain).toEqual(["package:api", "image:web"]);
  });

  it("a tracked path is not build output: nothing more is affected, and nothing is noted", async () => {
    const tracked = { ...files, ".gitignore": "", "services/api/dist/index.js": "checked in\n" };
    const { report } = await affectedAfter(tracked, (r) => r.append("services/api/README.md", "more\n"));
    expect(report.affected.image).toEqual([]);
    expect((report as Noted).notes).toEqual([]);
  });
});
