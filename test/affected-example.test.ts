import { describe, expect, it } from "vitest";
import { shipgraph } from "./helpers/cli.js";
import { buf, exampleRepo, type TestRepo } from "./helpers/repo.js";

interface Report {
  mode: string;
  modeReason: string;
  changedFiles: number;
  needs: { proto: boolean; images: boolean };
  affected: Record<"generator" | "image" | "package" | "proto" | "target", string[]>;
  matrix: { include: Record<string, unknown>[] };
  reasons: Record<string, { cause: Record<string, string>; chain: string[] }>;
  unownedFiles: string[];
}

async function affected(repo: TestRepo, ...args: string[]): Promise<Report> {
  const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json", ...args]);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return run.json<Report>();
}

const NOTHING = { generator: [], image: [], package: [], proto: [], target: [] };
const ALL_PACKAGES = [
  "@acme/api",
  "@acme/auth",
  "@acme/billing",
  "@acme/logger",
  "@acme/orders",
  "@acme/routes",
  "@acme/sdk",
];

/** A matrix entry; the services build FROM the in-repo base image, so they are level 1. */
function entry(image: string, context: string, platform = "linux/amd64", level = 1) {
  return { image, context, dockerfile: `${context}/Dockerfile`, platform, level };
}

describe("shipgraph affected on the example monorepo", () => {
  it("a service-only change affects that service's package and image", async () => {
    const repo = exampleRepo();
    repo.append("services/billing/src/index.ts", "export const version = 2;\n").commit();
    const report = await affected(repo);
    expect(report.affected).toEqual({ ...NOTHING, image: ["billing"], package: ["@acme/billing"] });
    expect(report.needs).toEqual({ proto: false, images: true });
    expect(report.matrix).toEqual({ include: [entry("billing", "services/billing")] });
    expect(report.reasons["image:billing"]).toEqual({
      cause: {
        kind: "file",
        rule: "owned",
        file: "services/billing/src/index.ts",
        via: "services/billing/Dockerfile:6 COPY src ./src",
      },
      chain: ["image:billing"],
    });
  });

  it("a shared library change reaches every image that depends on it, transitively", async () => {
    const repo = exampleRepo();
    repo.append("packages/logger/src/index.ts", "export const level = 'info';\n").commit();
    const report = await affected(repo);
    expect(report.affected).toEqual({
      ...NOTHING,
      image: ["api", "billing", "orders"],
      package: ["@acme/api", "@acme/auth", "@acme/billing", "@acme/logger", "@acme/orders"],
    });
    expect(report.matrix.include.map((e) => e.image)).toEqual(["api", "billing", "orders"]);
    expect(report.reasons["image:api"]!.chain).toEqual([
      "package:@acme/logger",
      "package:@acme/auth",
      "package:@acme/api",
      "image:api",
    ]);
  });

  it("a proto change alone needs codegen but rebuilds no image", async () => {
    const repo = exampleRepo();
    repo.append("proto/acme/common/v1/ids.proto", "\nmessage OrderId {\n  string value = 1;\n}\n").commit();
    const report = await affected(repo);
    expect(report.affected).toEqual({
      ...NOTHING,
      generator: ["routes", "ts-sdk"],
      proto: ["core"],
      target: ["docs-site"],
    });
    expect(report.needs).toEqual({ proto: true, images: false });
    expect(report.matrix).toEqual({ include: [] });
    // the generator is reached through the import graph, not the module: the chain starts there
    expect(report.reasons["target:docs-site"]!.chain).toEqual(["generator:ts-sdk", "target:docs-site"]);
    expect(report.reasons["generator:ts-sdk"]!.cause).toEqual({
      kind: "file",
      rule: "proto",
      file: "proto/acme/common/v1/ids.proto",
      via: "compiled by the generator",
    });
  });

  it("--conservative follows generator outputs to the images that consume them", async () => {
    const repo = exampleRepo();
    repo.append("proto/acme/common/v1/ids.proto", "\nmessage OrderId {\n  string value = 1;\n}\n").commit();
    const report = await affected(repo, "--conservative");
    expect(report.affected).toEqual({
      generator: ["routes", "ts-sdk"],
      image: ["api", "orders"],
      package: ["@acme/api", "@acme/orders", "@acme/routes", "@acme/sdk"],
      proto: ["core"],
      target: ["docs-site"],
    });
    expect(report.reasons["image:orders"]!.chain).toEqual([
      "generator:ts-sdk",
      "package:@acme/sdk",
      "package:@acme/orders",
      "image:orders",
    ]);
  });

  it("a proto change committed with its regenerated outputs (real buf) rebuilds the images using them", async () => {
    const repo = exampleRepo();
    repo.append(
      "proto/acme/users/v1/users.proto",
      "\nmessage UserPreferences {\n  bool newsletter = 1;\n}\n",
    );
    buf(repo, "generate", "--template", "buf.gen.ts.yaml");
    buf(repo, "generate", "--template", "buf.gen.routes.yaml");
    const changed = repo
      .git("status", "--porcelain", "--untracked-files=all")
      .split("\n")
      .filter(Boolean)
      .sort();
    expect(changed).toEqual(
      ["M packages/sdk/src/gen/acme/users/v1/users_pb.ts", "M proto/acme/users/v1/users.proto"].map(
        (l) => ` ${l}`,
      ),
    );
    repo.commit("proto + regenerated sdk");
    const report = await affected(repo);
    expect(report.affected).toEqual({
      generator: ["routes", "ts-sdk"],
      image: ["api", "orders"],
      package: ["@acme/api", "@acme/orders", "@acme/sdk"],
      proto: ["core"],
      target: ["docs-site"],
    });
    expect(report.reasons["image:api"]).toEqual({
      cause: { kind: "file", rule: "owned", file: "packages/sdk/src/gen/acme/users/v1/users_pb.ts" },
      chain: ["package:@acme/sdk", "package:@acme/api", "image:api"],
    });
  });

  it("a template change affects only its generator", async () => {
    const repo = exampleRepo();
    repo.append("buf.gen.routes.yaml", "managed:\n  enabled: false\n").commit(); // data, not a comment
    const report = await affected(repo);
    expect(report.affected).toEqual({ ...NOTHING, generator: ["routes"] });
    expect(report.needs).toEqual({ proto: true, images: false });
  });

  it("a local plugin change affects the generator that runs it", async () => {
    const repo = exampleRepo();
    repo.append("plugins/protoc-gen-routes/index.mjs", "// faster\n").commit();
    const report = await affected(repo);
    expect(report.affected).toEqual({ ...NOTHING, generator: ["routes"] });
    expect(report.reasons["generator:routes"]!.cause).toEqual({
      kind: "file",
      rule: "owned",
      file: "plugins/protoc-gen-routes/index.mjs",
    });
  });

  it("a global file change affects everything", async () => {
    const repo = exampleRepo();
    repo.append("tools/ci/deploy.sh", "echo done\n").commit();
    const report = await affected(repo);
    expect(report.affected).toEqual({
      generator: ["routes", "ts-sdk"],
      image: ["api", "base", "billing", "orders"],
      package: ALL_PACKAGES,
      proto: ["core"],
      target: ["docs-site"],
    });
    expect(report.matrix.include).toEqual([
      entry("api", "services/api"),
      entry("base", "images/base", "linux/amd64,linux/arm64", 0),
      entry("billing", "services/billing"),
      entry("orders", "services/orders"),
    ]);
    expect(report.reasons["image:base"]!.cause).toEqual({
      kind: "file",
      rule: "global",
      file: "tools/ci/deploy.sh",
    });
  });

  it("a deleted file affects its owner", async () => {
    const repo = exampleRepo();
    repo.git("rm", "-q", "services/orders/src/index.ts");
    repo.commit("delete");
    const report = await affected(repo);
    expect(report.affected).toEqual({ ...NOTHING, image: ["orders"], package: ["@acme/orders"] });
  });

  it("a rename across two packages affects both", async () => {
    const repo = exampleRepo();
    repo.git("mv", "services/billing/src/index.ts", "packages/auth/src/billing.ts");
    repo.commit("move");
    const report = await affected(repo);
    expect(report.changedFiles).toBe(2);
    expect(report.affected).toEqual({
      ...NOTHING,
      image: ["api", "billing"],
      package: ["@acme/api", "@acme/auth", "@acme/billing"],
    });
  });

  it("a change the image's .dockerignore excludes affects its package but not the image", async () => {
    const repo = exampleRepo();
    repo.append("services/api/README.md", "More docs.\n").commit();
    const report = await affected(repo);
    expect(report.affected).toEqual({ ...NOTHING, package: ["@acme/api"] });
    expect(report.matrix).toEqual({ include: [] });
    const explain = await shipgraph(repo.dir, ["affected", "--base", "main", "--explain", "image:api"]);
    expect(explain.stdout).toBe("image:api is not affected\n");
  });

  it("a file of the image's context package that the .dockerignore keeps affects the image", async () => {
    const repo = exampleRepo();
    repo.append("services/api/package.json", "\n").commit();
    const report = await affected(repo);
    expect(report.affected).toEqual({ ...NOTHING, image: ["api"], package: ["@acme/api"] });
    expect(report.reasons["image:api"]).toEqual({
      cause: {
        kind: "file",
        rule: "owned",
        file: "services/api/package.json",
        via: "services/api/Dockerfile:5 COPY package.json ./",
      },
      chain: ["image:api"],
    });
  });

  it("an unrelated file affects nothing, lists it as unowned, and says so in text", async () => {
    const repo = exampleRepo();
    repo.append("README.md", "More docs.\n").commit();
    const report = await affected(repo);
    expect(report.affected).toEqual(NOTHING);
    expect(report.matrix).toEqual({ include: [] });
    expect(report.needs).toEqual({ proto: false, images: false });
    expect(report.unownedFiles).toEqual(["README.md"]);
    const text = await shipgraph(repo.dir, ["affected", "--base", "main"]);
    expect(text.stdout).toContain("Nothing is affected: the 1 changed file(s) are inputs of no node.");
    expect(text.stdout).toContain("changed files no node owns (1):\n  README.md");
  });

  it("a file excluded by the image's .dockerignore does not touch the image through ownership", async () => {
    const repo = exampleRepo();
    repo
      .write({ "images/base/.dockerignore": "*.md\n", "images/base/NOTES.md": "notes\n" })
      .commit("add notes");
    repo.git("checkout", "-q", "-b", "notes-edit");
    repo.append("images/base/NOTES.md", "more\n").commit();
    const report = await shipgraph(repo.dir, ["affected", "--base", "feature", "--format", "json"]);
    expect(report.json<Report>().affected).toEqual(NOTHING);
    expect(report.json<Report>().unownedFiles).toEqual(["images/base/NOTES.md"]);
  });

  it("--all and --force all make everything affected with mode all", async () => {
    const repo = exampleRepo();
    for (const args of [["--all"], ["--force", "all"]]) {
      const run = await shipgraph(repo.dir, ["affected", "--format", "json", ...args]);
      expect(run.code).toBe(0);
      const report = run.json<Report>();
      expect(report.mode).toBe("all");
      expect(report.modeReason).toBe(args.join(" "));
      expect(report.affected.image).toEqual(["api", "base", "billing", "orders"]);
      expect(report.affected.package).toEqual(ALL_PACKAGES);
      expect(report.matrix.include).toHaveLength(4);
      expect(report.needs).toEqual({ proto: true, images: true });
    }
  });

  it("--force images / --force proto add that work to what the diff affects", async () => {
    const repo = exampleRepo();
    repo.append("services/billing/src/index.ts", "// x\n").commit();
    const images = await affected(repo, "--force", "images");
    expect(images.mode).toBe("diff");
    expect(images.affected).toEqual({
      ...NOTHING,
      image: ["api", "base", "billing", "orders"],
      package: ["@acme/billing"],
    });
    expect(images.reasons["image:base"]).toEqual({
      cause: { kind: "forced", detail: "--force images" },
      chain: ["image:base"],
    });
    const proto = await affected(repo, "--force", "proto");
    expect(proto.affected).toEqual({
      ...NOTHING,
      generator: ["routes", "ts-sdk"],
      image: ["billing"],
      package: ["@acme/billing"],
      proto: ["core"],
      target: ["docs-site"],
    });
    expect(proto.needs).toEqual({ proto: true, images: true });
  });

  it("--explain prints the chain of an affected node and says when a node is not affected", async () => {
    const repo = exampleRepo();
    repo.append("packages/logger/src/index.ts", "// x\n").commit();
    const api = await shipgraph(repo.dir, ["affected", "--base", "main", "--explain", "image:api"]);
    expect(api.code).toBe(0);
    expect(api.stdout).toBe(
      "image:api is affected:\n  image:api ← package:@acme/api ← package:@acme/auth ← package:@acme/logger ← packages/logger/src/index.ts changed\n",
    );
    const base = await shipgraph(repo.dir, ["affected", "--base", "main", "--explain", "image:base"]);
    expect(base.stdout).toBe("image:base is not affected\n");
    const unknown = await shipgraph(repo.dir, ["affected", "--base", "main", "--explain", "image:nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe("");
    expect(unknown.stderr).toContain("error[UNKNOWN_NODE]: --explain image:nope: no such node");
    // the kind left off: the nodes of that name are suggested
    const bare = await shipgraph(repo.dir, ["affected", "--base", "main", "--explain", "api"]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("hint: did you mean image:api?");
    const json = await shipgraph(repo.dir, [
      "affected",
      "--base",
      "main",
      "--explain",
      "image:apj",
      "--format",
      "json",
    ]);
    expect(json.code).toBe(2);
    expect(json.json()).toEqual({ node: "image:apj", known: false, affected: false, reasons: [] });
    expect(json.stderr).toContain("hint: did you mean image:api?");
  });

  it("the output is byte-identical across runs", async () => {
    const repo = exampleRepo();
    repo.append("tools/ci/deploy.sh", "# again\n").commit();
    const runs = await Promise.all(
      [1, 2, 3].map(() => shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"])),
    );
    expect(new Set(runs.map((r) => r.stdout)).size).toBe(1);
    const texts = await Promise.all([1, 2].map(() => shipgraph(repo.dir, ["affected", "--base", "main"])));
    expect(texts[0]!.stdout).toBe(texts[1]!.stdout);
  });
});
