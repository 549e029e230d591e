import { describe, expect, it } from "vitest";
import { affectedAfterChange } from "./helpers/affected.js";
import { shipgraph } from "./helpers/cli.js";
import { gitRepo, type TestRepo } from "./helpers/repo.js";

interface Report {
  affected: Record<string, string[]>;
  reasons: Record<string, { cause: { kind: string; file?: string; via?: string }; chain: string[] }>;
  matrix: { include: { image: string; level: number; build_contexts?: string }[] };
  warnings: string[];
}

const affected = (files: Record<string, string>, change: (repo: TestRepo) => void) =>
  affectedAfterChange<Report>(files, change);

const append = (path: string) => (repo: TestRepo) => repo.append(path, "changed\n");

// BuildKit's named contexts (docker build --build-context, compose additional_contexts, bake
// contexts): one whose name is a stage's replaces that stage (none of its instructions run), one
// whose name is a FROM / --from image's replaces that image.
describe("a named build context that replaces a stage", () => {
  // (no shipgraph config: the graph is inferred from the bake file)
  const bake = {
    "docker-bake.hcl": 'target "app" {\n  context = "app"\n  contexts = { base = "images/base" }\n}\n',
    "app/Dockerfile":
      "FROM alpine AS base\nCOPY base-only.txt /b\n\nFROM base AS build\nCOPY main.go /src/\n",
    "app/main.go": "x\n",
    "app/base-only.txt": "x\n",
    "images/base/rootfs.txt": "x\n",
  };

  it("bake contexts: a change in the context's directory affects the image; what only the replaced stage copies does not", async () => {
    const inContext = await affected(bake, append("images/base/rootfs.txt"));
    expect(inContext.affected.image).toEqual(["app"]);
    expect(inContext.reasons["image:app"]).toMatchObject({
      cause: { file: "images/base/rootfs.txt" },
      chain: ["image:app"],
    });
    expect((await affected(bake, append("app/main.go"))).affected.image).toEqual(["app"]);
    // BuildKit never runs the stage `base` of the Dockerfile: its COPY reads nothing
    expect((await affected(bake, append("app/base-only.txt"))).affected.image).toEqual([]);
  });

  it("compose additional_contexts: the same, and COPY --from the replaced stage reads the context", async () => {
    const compose = {
      "compose.yaml":
        "services:\n  app:\n    build:\n      context: app\n      additional_contexts:\n        deps: ./vendor/deps\n",
      "app/Dockerfile":
        "FROM node:22 AS deps\nCOPY package.json /p/\nRUN npm ci\nFROM node:22\nCOPY --from=deps /p/node_modules /app/node_modules\nCOPY index.js /app/\n",
      "app/package.json": "{}\n",
      "app/index.js": "x\n",
      "vendor/deps/node_modules/x/index.js": "x\n",
    };
    const vendored = await affected(compose, append("vendor/deps/node_modules/x/index.js"));
    expect(vendored.affected.image).toEqual(["app"]);
    expect((await affected(compose, append("app/package.json"))).affected.image).toEqual([]);
    expect((await affected(compose, append("app/index.js"))).affected.image).toEqual(["app"]);
  });

  it("a context whose name is not the one BuildKit looks up (bake passes names as written) replaces nothing: the stage and the image still count", async () => {
    // BuildKit looks the stage up as context:base and FROM alpine as context:alpine
    const files = {
      ...bake,
      "docker-bake.hcl":
        'target "app" {\n  context = "app"\n  contexts = { Base = "images/base", "docker.io/library/alpine:latest" = "images/alpine" }\n}\n',
      "images/alpine/x": "x\n",
    };
    expect((await affected(files, append("app/base-only.txt"))).affected.image).toEqual(["app"]);
    // (its files still count: a `docker build --build-context` normalises the name)
    expect((await affected(files, append("images/base/rootfs.txt"))).affected.image).toEqual(["app"]);
    const image = {
      "shipgraph.yaml":
        'images:\n  base:\n    context: base\n    ref: ghcr.io/acme/base\n  app:\n    context: app\n    additionalContexts: { "ghcr.io/acme/base:latest": vendor/base }\n',
      "base/Dockerfile": "FROM alpine\nCOPY setup.sh /\n",
      "base/setup.sh": "x\n",
      "app/Dockerfile": "FROM ghcr.io/acme/base\n",
      "vendor/base/x": "x\n",
    };
    expect((await affected(image, append("base/setup.sh"))).affected.image).toEqual(["app", "base"]);
  });

  it("a context for one platform (name::linux/arm64) replaces the stage on that platform only: the stage still counts, and so does the context's image", async () => {
    const files = {
      "shipgraph.yaml":
        'images:\n  base:\n    context: base\n    ref: ghcr.io/acme/base\n  app:\n    context: app\n    additionalContexts: { "base::linux/arm64": "docker-image://ghcr.io/acme/base:1" }\n',
      "base/Dockerfile": "FROM alpine\nCOPY setup.sh /\n",
      "base/setup.sh": "x\n",
      "app/Dockerfile": "FROM alpine AS base\nCOPY base-only.txt /b\nFROM base\n",
      "app/base-only.txt": "x\n",
    };
    expect((await affected(files, append("app/base-only.txt"))).affected.image).toEqual(["app"]);
    expect((await affected(files, append("base/setup.sh"))).affected.image).toEqual(["app", "base"]);
  });
});

// An image built by several builds (a compose service and a bake target of one Dockerfile, a
// compose override's variant) is one image: a context replaces its stage in the builds that give it.
describe("a named build context that only some builds of an image give", () => {
  const dockerfile = "FROM alpine AS base\nCOPY base-only.txt /b\n\nFROM base AS build\nCOPY main.go /src/\n";

  it("bake gives it, compose does not: the stage still counts (compose builds it), and so does the context's directory", async () => {
    const files = {
      "docker-bake.hcl": 'target "app" {\n  context = "app"\n  contexts = { base = "images/base" }\n}\n',
      "compose.yaml": "services:\n  app:\n    build:\n      context: app\n",
      "app/Dockerfile": dockerfile,
      "app/main.go": "x\n",
      "app/base-only.txt": "x\n",
      "images/base/rootfs.txt": "x\n",
    };
    expect((await affected(files, append("app/base-only.txt"))).affected.image).toEqual(["app"]);
    expect((await affected(files, append("images/base/rootfs.txt"))).affected.image).toEqual(["app"]);
    // another directory for the same name: both count (neither is the image's context)
    const other = {
      ...files,
      "compose.yaml":
        "services:\n  app:\n    build:\n      context: app\n      additional_contexts:\n        base: ./images/compose-base\n",
      "images/compose-base/rootfs.txt": "x\n",
    };
    expect((await affected(other, append("images/compose-base/rootfs.txt"))).affected.image).toEqual(["app"]);
    expect((await affected(other, append("images/base/rootfs.txt"))).affected.image).toEqual(["app"]);
    expect((await affected(other, append("app/base-only.txt"))).affected.image).toEqual(["app"]);
  });

  it("compose's !reset / !override tags, not read here, leave the inferred graph incomplete: an error, not a stage taken as replaced", async () => {
    const repo = gitRepo({
      "compose.yaml":
        "services:\n  app:\n    build:\n      context: app\n      additional_contexts:\n        base: ./images/base\n",
      "compose.override.yaml": "services:\n  app:\n    build:\n      additional_contexts: !reset {}\n",
      "app/Dockerfile": dockerfile,
      "app/main.go": "x\n",
      "app/base-only.txt": "x\n",
      "images/base/rootfs.txt": "x\n",
    });
    repo.git("checkout", "-q", "-b", "change");
    repo.append("app/base-only.txt", "changed\n");
    repo.commit("change");
    const run = await shipgraph(repo.dir, ["affected", "--base", "main"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("compose.override.yaml:4: compose's !reset tag is not read here");
  });

  it("a compose override's variant gives an image built here: it stays a base, and the stage still counts", async () => {
    const files = {
      "compose.yaml":
        "services:\n  base:\n    image: ghcr.io/acme/base:1\n    build: { context: base }\n  app:\n    build: { context: app }\n",
      "compose.ci.yaml":
        "services:\n  app:\n    build:\n      additional_contexts:\n        base: docker-image://ghcr.io/acme/base:1\n",
      "base/Dockerfile": "FROM alpine\nCOPY setup.sh /\n",
      "base/setup.sh": "x\n",
      "app/Dockerfile": dockerfile,
      "app/main.go": "x\n",
      "app/base-only.txt": "x\n",
    };
    const report = await affected(files, append("base/setup.sh"));
    expect(report.affected.image).toEqual(["app", "base"]);
    expect(report.reasons["image:app"]!.chain).toEqual(["image:base", "image:app"]);
    expect((await affected(files, append("app/base-only.txt"))).affected.image).toEqual(["app"]);
  });
});

describe("a named build context that is an image (docker-image://)", () => {
  const compose = {
    "compose.yaml": [
      "services:",
      "  base:",
      "    image: ghcr.io/acme/base:1",
      "    build: { context: base }",
      "  app:",
      "    build:",
      "      context: app",
      "      additional_contexts:",
      "        base: docker-image://ghcr.io/acme/base:1",
      "",
    ].join("\n"),
    "base/Dockerfile": "FROM alpine\nCOPY setup.sh /\n",
    "base/setup.sh": "x\n",
    "app/Dockerfile": "FROM alpine AS base\nCOPY base-only.txt /b\nFROM base\nCOPY main.go /src/\n",
    "app/main.go": "x\n",
    "app/base-only.txt": "x\n",
  };

  it("compose: an image built here that replaces a stage is the image's base (a change to it affects the image)", async () => {
    const report = await affected(compose, append("base/setup.sh"));
    expect(report.affected.image).toEqual(["app", "base"]);
    expect(report.reasons["image:app"]!.chain).toEqual(["image:base", "image:app"]);
    expect(report.matrix.include.map((e) => [e.image, e.level])).toEqual([
      ["app", 1],
      ["base", 0],
    ]);
    expect((await affected(compose, append("app/base-only.txt"))).affected.image).toEqual([]);
  });

  it("bake: an image built here that replaces a FROM image is the image's base", async () => {
    const bake = {
      "docker-bake.hcl": [
        'target "base" {\n  context = "base"\n  tags = ["ghcr.io/acme/base:1"]\n}',
        'target "app" {\n  context = "app"\n  contexts = { alpine = "docker-image://ghcr.io/acme/base:1" }\n}',
        "",
      ].join("\n"),
      "base/Dockerfile": "FROM debian:12\nCOPY setup.sh /\n",
      "base/setup.sh": "x\n",
      "app/Dockerfile": "FROM alpine\nCOPY main.go /src/\n",
      "app/main.go": "x\n",
    };
    const report = await affected(bake, append("base/setup.sh"));
    expect(report.affected.image).toEqual(["app", "base"]);
    expect(report.reasons["image:app"]!.chain).toEqual(["image:base", "image:app"]);
  });

  const config = (contexts: string, dockerfile: string) => ({
    "shipgraph.yaml": `images:\n  base:\n    context: base\n    ref: ghcr.io/acme/base\n  app:\n    context: app\n    additionalContexts: ${contexts}\n`,
    "base/Dockerfile": "FROM alpine\nCOPY setup.sh /\nONBUILD COPY lib /lib\n",
    "base/setup.sh": "x\n",
    "app/Dockerfile": dockerfile,
    "app/main.go": "x\n",
    "app/lib/util.go": "x\n",
    "vendor/base/x": "x\n",
  });

  it("config: a docker-image:// value is an image, not a directory: a base when built here, with its ONBUILD triggers", async () => {
    const files = config('{ node: "docker-image://ghcr.io/acme/base:1" }', "FROM node\nCOPY main.go /src/\n");
    const report = await affected(files, append("base/setup.sh"));
    expect(report.affected.image).toEqual(["app", "base"]);
    expect(report.reasons["image:app"]!.chain).toEqual(["image:base", "image:app"]);
    expect(report.matrix.include.find((e) => e.image === "app")?.build_contexts).toBe(
      "node=docker-image://ghcr.io/acme/base:1",
    );
    // (no "holds no tracked file" warning about a directory docker-image:/ghcr.io/…)
    expect(report.warnings).toEqual([]);
    // the base's ONBUILD COPY runs in app's build, against app's context
    const onbuild = await affected(files, append("app/lib/util.go"));
    expect(onbuild.affected.image).toEqual(["app"]);
    expect(onbuild.reasons["image:app"]!.cause.via).toBe(
      "base/Dockerfile:3 ONBUILD COPY lib /lib (in a base image)",
    );
    // FROM node:22 is not FROM node: the context named node does not replace it
    const tagged = config(
      '{ node: "docker-image://ghcr.io/acme/base:1" }',
      "FROM node:22\nCOPY main.go /src/\n",
    );
    expect((await affected(tagged, append("base/setup.sh"))).affected.image).toEqual(["base"]);
  });

  it("config: an in-repo FROM image a directory context replaces is no base of the image", async () => {
    const files = config(
      '{ "ghcr.io/acme/base": vendor/base }',
      "FROM ghcr.io/acme/base\nCOPY main.go /src/\n",
    );
    expect((await affected(files, append("base/setup.sh"))).affected.image).toEqual(["base"]);
    // nor do its ONBUILD triggers run
    expect((await affected(files, append("app/lib/util.go"))).affected.image).toEqual([]);
    expect((await affected(files, append("vendor/base/x"))).affected.image).toEqual(["app"]);
  });

  it("config: a target:<image> value is that image's build, a base; one naming no image is a config error", async () => {
    const files = config('{ base: "target:base" }', "FROM base\nCOPY main.go /src/\n");
    const report = await affected(files, append("base/setup.sh"));
    expect(report.affected.image).toEqual(["app", "base"]);
    const repo = gitRepo(config('{ base: "target:nope" }', "FROM base\n"));
    const run = await shipgraph(repo.dir, ["affected", "--base", "main"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('images.app.additionalContexts.base: "target:nope" names no other image');
  });
});

describe("a # syntax= frontend pulled from a mirror", () => {
  const files = (syntax: string, extra: Record<string, string> = {}) => ({
    "shipgraph.yaml": "images:\n  app:\n    context: app\n",
    "app/Dockerfile": `# syntax=${syntax}\nFROM alpine\nCOPY main.go /src/\n`,
    "app/main.go": "x\n",
    "app/notes.txt": "x\n",
    ...extra,
  });

  it("<registry>/…/docker/dockerfile is the Dockerfile frontend: only what the Dockerfile reads counts", async () => {
    for (const syntax of [
      "mirror.gcr.io/docker/dockerfile:1.7",
      "registry.example.com/docker/dockerfile:1",
      "harbor.acme.dev:8443/hub-proxy/docker/dockerfile-upstream:master-labs",
    ]) {
      expect((await affected(files(syntax), append("app/notes.txt"))).affected.image, syntax).toEqual([]);
      expect((await affected(files(syntax), append("app/main.go"))).affected.image, syntax).toEqual(["app"]);
    }
  });

  it("any other frontend, or a docker/dockerfile this repository builds, counts the whole context", async () => {
    for (const syntax of ["ghcr.io/acme/frontend:1", "acme/docker/dockerfile:1"]) {
      expect((await affected(files(syntax), append("app/notes.txt"))).affected.image, syntax).toEqual([
        "app",
      ]);
    }
    const own = files("registry.acme.dev/docker/dockerfile:1", {
      "shipgraph.yaml":
        "images:\n  app:\n    context: app\n  frontend:\n    context: frontend\n    ref: registry.acme.dev/docker/dockerfile\n",
      "frontend/Dockerfile": "FROM golang:1.22\nCOPY main.go /\n",
      "frontend/main.go": "x\n",
    });
    const report = await affected(own, append("app/notes.txt"));
    expect(report.affected.image).toEqual(["app"]);
    expect(report.warnings.join("\n")).toContain(
      "the frontend registry.acme.dev/docker/dockerfile:1 (# syntax) is built in this repository",
    );
    expect((await affected(own, append("frontend/main.go"))).affected.image).toEqual(["app", "frontend"]);
  });
});
