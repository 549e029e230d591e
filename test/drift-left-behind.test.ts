import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { DriftReport } from "@shipgraph/core";
import { describe, expect, it } from "vitest";
import { cleanEnv, shipgraph, shipgraphBin } from "./helpers/cli.js";
import { driftIn } from "./helpers/drift.js";
import { buf, exampleRepo, gitRepo, projectRoot, type TestRepo, tempDir } from "./helpers/repo.js";
import { treeHashes } from "./helpers/tree.js";

/** schema/*.txt → <dir>/*.ts */
const gen = (dir: string) => `import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
mkdirSync("${dir}", { recursive: true });
for (const name of readdirSync("schema").sort()) {
  const value = readFileSync("schema/" + name, "utf8").trim();
  writeFileSync("${dir}/" + name.replace(/\\.txt$/, ".ts"), "export const value = " + JSON.stringify(value) + ";\\n");
}
`;

const generated = (dir: string) => ({
  [`${dir}/a.ts`]: 'export const value = "alpha";\n',
  [`${dir}/b.ts`]: 'export const value = "beta";\n',
});

const CONSTS = (dir: string, name = "consts") =>
  `  ${name}:\n    run: node tools/gen-${dir}.mjs\n    inputs: ["schema/**", "tools/gen-${dir}.mjs"]\n    outputs: ["${dir}/**"]\n`;

/** A repo on main whose generator `consts` writes gen/*.ts, generated and committed; then a branch. */
function repoOnBranch(extraGenerators = ""): TestRepo {
  const repo = gitRepo({
    "shipgraph.yaml": `generators:\n${CONSTS("gen")}${extraGenerators}`,
    "tools/gen-gen.mjs": gen("gen"),
    "tools/gen-sdk.mjs": gen("sdk"),
    "schema/a.txt": "alpha\n",
    "schema/b.txt": "beta\n",
    ...generated("gen"),
  });
  repo.git("checkout", "-q", "-b", "work");
  return repo;
}

/** A generator `consts` (`run`, default schema → pkg/gen) with `outputs`. */
const PKG = (outputs: string, run = "node tools/gen-pkg.mjs") =>
  `generators:\n  consts:\n    run: ${run}\n    inputs: ["schema/**", "tools/**"]\n    outputs: ["${outputs}"]\n`;

/**
 * A repo on main whose config is `config`, with a package pkg: hand-written pkg/package.json and
 * pkg/src/index.ts, generated pkg/gen/*.ts (and `extra`); then a branch.
 */
function pkgRepo(config: string, extra: Record<string, string>): TestRepo {
  const repo = gitRepo({
    "shipgraph.yaml": config,
    "schema/a.txt": "alpha\n",
    "schema/b.txt": "beta\n",
    "pkg/package.json": JSON.stringify({ name: "pkg" }),
    "pkg/src/index.ts": 'export * from "../gen/a";\n',
    ...generated("pkg/gen"),
    ...extra,
  });
  repo.git("checkout", "-q", "-b", "work");
  return repo;
}

/**
 * At the base, consts's pkg/** took in pkg/resolver.ts, which the generator scaffolds when it is
 * missing (as gqlgen does resolver.go) and a person filled in since; the change narrows the glob
 * to pkg/gen.
 */
function scaffoldRepo() {
  const scaffold = `${gen("pkg/gen")}import { existsSync } from "node:fs";\nif (!existsSync("pkg/resolver.ts")) writeFileSync("pkg/resolver.ts", "// TODO: implement\\n");\n`;
  const repo = pkgRepo(PKG("pkg/**"), {
    "tools/gen-pkg.mjs": scaffold,
    "pkg/resolver.ts": 'export const resolve = () => "hand-written";\n',
  });
  repo.write({ "shipgraph.yaml": PKG("pkg/gen/**") }).commit("narrow outputs");
  return repo;
}

const drift = (repo: TestRepo, args: string[]) => driftIn(repo, args);

async function stamp(repo: TestRepo, ...generators: string[]) {
  const run = await shipgraph(repo.dir, ["stamp", ...generators], { env: cleanEnv() });
  expect(run.code, run.stderr).toBe(0);
}

/** The routes package's own index.ts, hand-written beside what protoc-gen-routes writes. */
const ROUTES_INDEX = 'export * from "./acme/orders/v1/orders_routes";\n';

/**
 * The example on main, but for this: the out of protoc-gen-routes (a plugin of the repository's
 * own, whose file names shipgraph does not know) holds a hand-written index.ts, which buf leaves
 * alone (the template has no `clean`) and the default outputs (everything under the out) take in;
 * then a branch.
 */
function routesIndexRepo(): TestRepo {
  const repo = exampleRepo();
  repo
    .write({
      "buf.gen.routes.yaml": repo.read("buf.gen.routes.yaml").replace("clean: true\n", ""),
      "packages/routes/src/gen/index.ts": ROUTES_INDEX,
    })
    .commit("routes index");
  repo.git("branch", "-f", "main");
  return repo;
}

/**
 * `drift --format json --keep-temp` (with `args`) by the built binary, so that the copies it makes
 * land in a temp dir of their own: its report, and how many copies of the repository it made.
 */
function driftCountingCopies(repo: TestRepo, args: string[]): { report: DriftReport; copies: number } {
  const run = shipgraphBin(repo.dir, ["drift", "--format", "json", "--keep-temp", ...args], {
    env: cleanEnv({ TMPDIR: tempDir() }),
  });
  return { report: run.json<DriftReport>(), copies: run.stderr.match(/keeping the sandbox/g)?.length ?? 0 };
}

/**
 * The tests that run buf at the merge base besides the main runs (five drift runs with real buf,
 * or a template of two plugins): ~15 s on a quiet machine, over a minute on a loaded one.
 */
const BUF_BASE_RUNS_TIMEOUT = 180_000;

describe("drift --base: outputs left behind", () => {
  it("reports the files a moved output directory left, and --fix deletes them", async () => {
    const repo = repoOnBranch();
    // the output moved to sdk/ and was regenerated there, but gen/ was not deleted
    repo.write({ "shipgraph.yaml": `generators:\n${CONSTS("sdk")}`, ...generated("sdk") }).commit("move");
    const before = treeHashes(repo.dir);
    const { code, report } = await drift(repo, ["--base", "main"]);
    expect(treeHashes(repo.dir)).toEqual(before);
    expect(code).toBe(1);
    expect(report.generators).toMatchObject([
      {
        name: "consts",
        status: "drift",
        stale: ["gen/a.ts", "gen/b.ts"],
        leftBehind: ["gen/a.ts", "gen/b.ts"],
      },
    ]);
    const text = await shipgraph(repo.dir, ["drift", "--base", "main"], { env: cleanEnv() });
    expect(text.stdout).toContain(
      "stale     gen/a.ts (in the tree, left behind: an output of this generator at the merge base",
    );
    // the remedy names --base: `drift --fix` alone does not find them, and so deletes nothing
    expect(text.stdout).toContain(
      "Run `shipgraph drift --base <ref> --fix` to write the generated files into the tree (and delete those left behind)",
    );
    const github = await shipgraph(repo.dir, ["drift", "--base", "main", "--format", "github"], {
      env: cleanEnv(),
    });
    expect(github.stdout).toContain(
      "::error file=gen/a.ts,title=shipgraph drift%3A consts::gen/a.ts is checked in but left behind: an output of this generator at the merge base, no generator's output now; run `shipgraph drift --base <ref> --fix`\n",
    );

    // without a base there is nothing to compare the outputs with
    expect((await drift(repo, [])).code).toBe(0);

    const fixed = await drift(repo, ["--base", "main", "--fix"]);
    expect(fixed.report.generators).toMatchObject([{ name: "consts", fixed: true }]);
    expect(existsSync(join(repo.dir, "gen"))).toBe(false);
    expect(existsSync(join(repo.dir, "sdk/a.ts"))).toBe(true);
    expect((await drift(repo, ["--base", "main"])).code).toBe(0);
  });

  it("warns about the outputs a removed generator left (its code may be kept on purpose), and --fix keeps them", async () => {
    const repo = repoOnBranch(CONSTS("sdk", "sdk"));
    repo.write(generated("sdk")).commit("second generator");
    repo.git("branch", "-f", "main");
    repo.write({ "shipgraph.yaml": `generators:\n${CONSTS("gen")}` }).commit("drop sdk");
    const { code, report, stderr } = await drift(repo, ["--base", "main"]);
    expect(code).toBe(0);
    expect(report.generators.filter((g) => g.leftBehind)).toEqual([]);
    expect(stderr).toContain("generator sdk is gone from the config since the merge base");
    expect(stderr).toContain("2 of its outputs are still in the tree as it wrote them (sdk/a.ts, sdk/b.ts)");
    // a generator named: only its own
    expect((await drift(repo, ["consts", "--base", "main"])).stderr).not.toContain("sdk/a.ts");
    await drift(repo, ["--base", "main", "--fix"]);
    expect(existsSync(join(repo.dir, "sdk/a.ts"))).toBe(true);
  });

  it("a former output that a generator now reads, or another now writes, is not left behind", async () => {
    const repo = repoOnBranch(
      `  copy:\n    run: node tools/copy.mjs\n    inputs: ["tools/copy.mjs", "gen/a.ts"]\n    outputs: ["copied/**"]\n`,
    );
    repo.write({
      "tools/copy.mjs": 'import { cpSync } from "node:fs";\ncpSync("gen/a.ts", "copied/a.ts");\n',
      "copied/a.ts": 'export const value = "alpha";\n',
    });
    repo.commit("copy");
    repo.git("branch", "-f", "main");
    // consts now writes sdk/; gen/a.ts is kept as copy's input, gen/b.ts becomes another's output
    repo
      .write({
        "shipgraph.yaml": `generators:\n${CONSTS("sdk")}  copy:\n    run: node tools/copy.mjs\n    inputs: ["tools/copy.mjs", "gen/a.ts"]\n    outputs: ["copied/**"]\n  b:\n    run: node tools/b.mjs\n    inputs: ["tools/b.mjs"]\n    outputs: ["gen/b.ts"]\n`,
        "tools/b.mjs":
          'import { writeFileSync } from "node:fs";\nwriteFileSync("gen/b.ts", \'export const value = "beta";\\n\');\n',
        ...generated("sdk"),
      })
      .commit("move");
    const { code, report } = await drift(repo, ["--base", "main"]);
    expect(report.generators.filter((g) => g.leftBehind)).toEqual([]);
    expect(code).toBe(0);
  });

  it("a file the change added or edited where the old outputs were is not left behind: --fix keeps it", async () => {
    const repo = repoOnBranch();
    // the output moved to sdk/, and gen/ kept for hand-written code: a new file (committed, and
    // one not yet added), and a generated file taken over and edited; gen/b.ts is as the base had it
    repo
      .write({
        "shipgraph.yaml": `generators:\n${CONSTS("sdk")}`,
        ...generated("sdk"),
        "gen/helpers.ts": "export const helper = 1;\n",
        "gen/a.ts": 'export const value = "alpha, by hand";\n',
      })
      .commit("move");
    repo.write({ "gen/wip.ts": "export const wip = 1;\n" });
    const { code, report } = await drift(repo, ["--base", "main"]);
    expect(report.generators).toMatchObject([
      { name: "consts", stale: ["gen/b.ts"], leftBehind: ["gen/b.ts"] },
    ]);
    expect(code).toBe(1);
    await drift(repo, ["--base", "main", "--fix"]);
    expect(existsSync(join(repo.dir, "gen/b.ts"))).toBe(false);
    for (const kept of ["gen/helpers.ts", "gen/wip.ts", "gen/a.ts"])
      expect(existsSync(join(repo.dir, kept))).toBe(true);
    expect((await drift(repo, ["--base", "main"])).code).toBe(0);
  });

  it("buf generators: only what buf could have written at the base is left behind, not hand-written code an outputs glob took in", async () => {
    const repo = exampleRepo();
    const config = repo.read("shipgraph.yaml");
    const broad = config
      .replace(
        "    protos: [core]\n    # outputs default",
        '    protos: [core]\n    outputs: ["packages/sdk/src/**"]\n    # outputs default',
      )
      .replace(
        '    inputs: ["plugins/protoc-gen-routes/**"]\n',
        '    inputs: ["plugins/protoc-gen-routes/**"]\n    outputs: ["packages/routes/**"]\n',
      );
    expect(broad).toContain("packages/sdk/src/**");
    expect(broad).toContain('outputs: ["packages/routes/**"]');
    // at the base, the globs took in hand-written files (packages/sdk/src/index.ts, the routes
    // package's manifest and index.ts): the branch narrows them to the plugins' out directories
    repo.write({ "shipgraph.yaml": broad }).commit("broad outputs");
    repo.git("branch", "-f", "main");
    repo.write({ "shipgraph.yaml": config }).commit("narrow outputs");
    const narrowed = await drift(repo, ["--base", "main"]);
    expect(narrowed.report.generators.filter((g) => g.leftBehind)).toEqual([]);
    expect(narrowed.code).toBe(0);
    await drift(repo, ["--base", "main", "--fix"]);
    for (const kept of [
      "packages/sdk/src/index.ts",
      "packages/routes/src/index.ts",
      "packages/routes/package.json",
    ])
      expect(existsSync(join(repo.dir, kept))).toBe(true);

    // protoc-gen-es's out moves: its files under the old out are left behind, index.ts is not
    repo.git("branch", "-f", "main");
    repo.write({
      "buf.gen.ts.yaml": repo.read("buf.gen.ts.yaml").replace("packages/sdk/src/gen", "packages/sdk/src/pb"),
    });
    buf(repo, "generate", "--template", "buf.gen.ts.yaml");
    repo.commit("move the out");
    const moved = await drift(repo, ["--base", "main"]);
    expect(moved.report.generators.find((g) => g.name === "ts-sdk")).toMatchObject({
      leftBehind: [
        "packages/sdk/src/gen/acme/catalog/v1/catalog_pb.ts",
        "packages/sdk/src/gen/acme/common/v1/ids_pb.ts",
        "packages/sdk/src/gen/acme/common/v1/money_pb.ts",
        "packages/sdk/src/gen/acme/orders/v1/orders_pb.ts",
        "packages/sdk/src/gen/acme/users/v1/users_pb.ts",
      ],
    });
    expect(moved.code).toBe(1);
  });

  it("buf generators: a hand-written file under the out of a plugin whose names shipgraph does not know is not left behind when a narrowed glob drops it; --fix keeps it, --quick warns", async () => {
    const repo = routesIndexRepo();
    // the branch narrows the outputs to the plugin's own files (drift called index.ts stale)
    const config = repo.read("shipgraph.yaml");
    const narrowed = config.replace(
      '    inputs: ["plugins/protoc-gen-routes/**"]\n',
      '    inputs: ["plugins/protoc-gen-routes/**"]\n    outputs: ["packages/routes/src/gen/**/*_routes.ts"]\n',
    );
    expect(narrowed).not.toBe(config);
    repo.write({ "shipgraph.yaml": narrowed }).commit("narrow outputs");
    const base = repo.git("merge-base", "main", "HEAD").trim().slice(0, 12);
    const { code, report } = await drift(repo, ["routes", "--base", "main"]);
    expect(report.generators.filter((g) => g.leftBehind)).toEqual([]);
    expect(code).toBe(0);
    await drift(repo, ["routes", "--base", "main", "--fix"]);
    expect(repo.read("packages/routes/src/gen/index.ts")).toBe(ROUTES_INDEX);

    // --quick runs no buf to tell: a warning, not drift
    await stamp(repo, "routes");
    repo.commit("stamp");
    const quick = await drift(repo, ["routes", "--quick", "--base", "main"]);
    expect(quick.report.generators.filter((g) => g.leftBehind)).toEqual([]);
    expect(quick.code).toBe(0);
    expect(quick.stderr).toContain(
      `1 file(s) under the outputs of routes at the merge base ${base}, no generator's outputs now, may be left behind (packages/routes/src/gen/index.ts): --quick runs no generator to tell whether it wrote them. They are not reported: \`shipgraph drift --base main\` runs routes as the merge base had it to tell`,
    );
  });

  it(
    "buf generators: code under protoc-gen-es's out named like what it writes, which buf does not write there (vendored from another SDK), is not left behind when a narrowed glob drops it; --fix keeps it, a warning names it, --quick too",
    async () => {
      // at the base, the out holds code generated elsewhere and copied in: its name is protoc-gen-es's,
      // and no .proto here yields it (the template has no `clean`, so buf leaves it alone)
      const vendored = "packages/sdk/src/gen/vendor/acme/billing/v1/billing_pb.ts";
      const code = "// generated by the billing repository's buf, copied in\nexport const billing = 1;\n";
      const repo = exampleRepo();
      repo
        .write({
          "buf.gen.ts.yaml": repo.read("buf.gen.ts.yaml").replace("clean: true\n", ""),
          [vendored]: code,
        })
        .commit("vendor billing");
      repo.git("branch", "-f", "main");
      // the branch narrows the outputs to what buf writes (drift called the vendored file stale)
      const config = repo.read("shipgraph.yaml");
      const narrowed = config.replace(
        "    protos: [core]\n    # outputs default",
        '    protos: [core]\n    outputs: ["packages/sdk/src/gen/acme/**"]\n    # outputs default',
      );
      expect(narrowed).not.toBe(config);
      repo.write({ "shipgraph.yaml": narrowed }).commit("narrow outputs");
      const base = repo.git("merge-base", "main", "HEAD").trim().slice(0, 12);
      // buf run at the merge base does not write it: not reported, but its name is said
      const fixed = await drift(repo, ["ts-sdk", "--base", "main", "--fix"]);
      expect(fixed.report.generators.filter((g) => g.leftBehind)).toEqual([]);
      expect(fixed.code).toBe(0);
      expect(repo.read(vendored)).toBe(code);
      expect(fixed.stderr).toContain(
        `1 file(s) under the outputs of ts-sdk at the merge base ${base}, no generator's outputs now, may be left behind (${vendored}): they are named as its buf plugins name the files they write, but ts-sdk run at ${base} does not write them (generated for a .proto file gone before it, stale there already? or code copied in). They are not reported, and --fix leaves them: look at each, delete (\`git rm\`) those that are generated code, which nothing regenerates now, and keep those written or edited by hand\n`,
      );

      // --quick runs no buf to tell: a warning, not drift (no stamp: ts-sdk fails the stamp check)
      const quick = await drift(repo, ["ts-sdk", "--quick", "--base", "main"]);
      expect(quick.report.generators.filter((g) => g.leftBehind)).toEqual([]);
      expect(quick.stderr).toContain(
        `1 file(s) under the outputs of ts-sdk at the merge base ${base}, no generator's outputs now, may be left behind (${vendored}): --quick runs no generator`,
      );
    },
    BUF_BASE_RUNS_TIMEOUT,
  );

  it(
    "buf generators, both outs moved: what the unknown plugin writes at the merge base is left behind and --fix deletes it, not the hand-written file beside it; protoc-gen-es's files need no run there",
    async () => {
      const repo = routesIndexRepo();
      const generated = ["catalog", "orders", "users"].map(
        (n) => `packages/routes/src/gen/acme/${n}/v1/${n}_routes.ts`,
      );
      for (const template of ["buf.gen.routes.yaml", "buf.gen.ts.yaml"]) {
        repo.write({ [template]: repo.read(template).replace("/src/gen", "/src/pb") });
        buf(repo, "generate", "--template", template);
      }
      repo.commit("move the outs");
      // routes is run at the merge base (a second copy): the base run writes its generated files,
      // not index.ts; ts-sdk is not (one copy): protoc-gen-es's names tell
      const routes = driftCountingCopies(repo, ["routes", "--base", "main"]);
      expect(routes.report.generators).toMatchObject([{ name: "routes", leftBehind: generated }]);
      expect(routes.copies).toBe(2);
      const sdk = driftCountingCopies(repo, ["ts-sdk", "--base", "main"]);
      expect(sdk.report.generators.find((g) => g.name === "ts-sdk")?.leftBehind).toHaveLength(5);
      expect(sdk.copies).toBe(1);

      await drift(repo, ["routes", "--base", "main", "--fix"]);
      for (const path of generated) expect(existsSync(join(repo.dir, path))).toBe(false);
      expect(repo.read("packages/routes/src/gen/index.ts")).toBe(ROUTES_INDEX);
    },
    BUF_BASE_RUNS_TIMEOUT,
  );

  it(
    "buf generators, one template with a known and an unknown plugin: the known one's files need no run at the merge base, the other's do (--quick warns about those alone)",
    async () => {
      const template = (out: string) =>
        `version: v2\ninputs:\n  - directory: proto\nplugins:\n  - local: protoc-gen-es\n    out: packages/sdk/src/${out}\n    opt: target=ts\n  - local: ["node", "plugins/protoc-gen-routes/index.mjs"]\n    out: packages/routes/src/${out}\n    opt: target=ts\n`;
      const repo = exampleRepo();
      repo
        .write({
          "shipgraph.yaml":
            'protos:\n  core: { path: proto }\ngenerators:\n  sdk:\n    template: buf.gen.yaml\n    protos: [core]\n    inputs: ["plugins/protoc-gen-routes/**"]\n',
          "buf.gen.yaml": template("gen"),
          "packages/routes/src/gen/index.ts": ROUTES_INDEX,
        })
        .commit("one template");
      repo.git("branch", "-f", "main");
      // (not generated there: what is missing under the new outs is no concern here)
      repo.write({ "buf.gen.yaml": template("pb") }).commit("move the outs");
      const base = repo.git("merge-base", "main", "HEAD").trim().slice(0, 12);
      const routes = ["catalog", "orders", "users"].map(
        (n) => `packages/routes/src/gen/acme/${n}/v1/${n}_routes.ts`,
      );
      const es = [
        "catalog/v1/catalog",
        "common/v1/ids",
        "common/v1/money",
        "orders/v1/orders",
        "users/v1/users",
      ].map((n) => `packages/sdk/src/gen/acme/${n}_pb.ts`);
      // (no stamp: sdk fails the stamp check, and what it left behind is reported all the same)
      const quick = await drift(repo, ["--quick", "--base", "main"]);
      expect(quick.report.generators).toMatchObject([{ name: "sdk", leftBehind: es }]);
      expect(quick.stderr).toContain(
        `4 file(s) under the outputs of sdk at the merge base ${base}, no generator's outputs now, may be left behind (${[...routes, "packages/routes/src/gen/index.ts"].join(", ")}): --quick runs no generator`,
      );
      const full = await drift(repo, ["--base", "main"]);
      expect(full.report.generators).toMatchObject([{ name: "sdk", leftBehind: [...routes, ...es] }]);
      expect(full.code).toBe(1);
    },
    BUF_BASE_RUNS_TIMEOUT,
  );

  it("another command: narrowing an outputs glob that took in hand-written code leaves nothing behind, and --fix keeps that code", async () => {
    // at the base, pkg/** took in the package's own files next to what the generator writes
    const repo = pkgRepo(PKG("pkg/**"), { "tools/gen-pkg.mjs": gen("pkg/gen") });
    repo.write({ "shipgraph.yaml": PKG("pkg/gen/**") }).commit("narrow outputs");
    const { code, report } = await drift(repo, ["--base", "main"]);
    expect(report.generators.filter((g) => g.leftBehind)).toEqual([]);
    expect(code).toBe(0);
    await drift(repo, ["--base", "main", "--fix"]);
    for (const kept of ["pkg/src/index.ts", "pkg/package.json", "pkg/gen/a.ts"])
      expect(existsSync(join(repo.dir, kept))).toBe(true);
  });

  it("another command: what it wrote at the base and writes no more is left behind, --fix deletes it, and not the hand-written code beside it", async () => {
    // at the base it also wrote pkg/extra/all.ts; the change stops that and narrows the glob,
    // but leaves the file
    const repo = pkgRepo(PKG("pkg/**"), {
      "tools/gen-pkg.mjs": `${gen("pkg/gen")}mkdirSync("pkg/extra", { recursive: true });\nwriteFileSync("pkg/extra/all.ts", "export * from \\"../gen/a\\";\\n");\n`,
      "pkg/extra/all.ts": 'export * from "../gen/a";\n',
    });
    repo.write({ "shipgraph.yaml": PKG("pkg/gen/**"), "tools/gen-pkg.mjs": gen("pkg/gen") }).commit("narrow");
    const { code, report } = await drift(repo, ["--base", "main"]);
    expect(report.generators).toMatchObject([
      { name: "consts", status: "drift", stale: ["pkg/extra/all.ts"], leftBehind: ["pkg/extra/all.ts"] },
    ]);
    expect(code).toBe(1);
    const fixed = await drift(repo, ["--base", "main", "--fix"]);
    expect(fixed.report.generators).toMatchObject([{ name: "consts", fixed: true }]);
    expect(existsSync(join(repo.dir, "pkg/extra/all.ts"))).toBe(false);
    for (const kept of ["pkg/src/index.ts", "pkg/package.json"])
      expect(existsSync(join(repo.dir, kept))).toBe(true);
    expect((await drift(repo, ["--base", "main"])).code).toBe(0);
  });

  it("another command that writes a stub only when it is missing (gqlgen's resolver.go): the code filled in there is not left behind, which a warning says, and --fix keeps it", async () => {
    const repo = scaffoldRepo();
    const base = repo.git("merge-base", "main", "HEAD").trim().slice(0, 12);
    const { code, report, stderr } = await drift(repo, ["--base", "main"]);
    expect(report.generators.filter((g) => g.leftBehind)).toEqual([]);
    expect(code).toBe(0);
    expect(stderr).toContain(
      `1 file(s) under the outputs of consts at the merge base ${base}, no generator's outputs now, may be left behind (pkg/resolver.ts): consts run at ${base} writes them, but not as the tree has them`,
    );
    await drift(repo, ["--base", "main", "--fix"]);
    expect(repo.read("pkg/resolver.ts")).toBe('export const resolve = () => "hand-written";\n');
  });

  it("a run at the merge base has a progress line naming the generator and the commit: plain lines, live on a terminal (warnings above them), none with --format json", async () => {
    // at the base, consts scaffolds pkg/resolver.ts when it is missing: its run there is followed
    // by a warning (filled in by hand since); then the main run checks consts
    const repo = scaffoldRepo();
    const base = repo.git("merge-base", "main", "HEAD").trim().slice(0, 12);
    const warning = "shipgraph: warning: 1 file(s) under the outputs of consts at the merge base";

    const plain = await shipgraph(repo.dir, ["drift", "--base", "main"]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toMatch(
      new RegExp(
        `^shipgraph drift: running consts at the merge base ${base}\nshipgraph drift: done {4}consts at the merge base ${base} \\(\\d+\\.\\d s\\)\n${warning.replace(/[()]/g, "\\$&")} `,
      ),
    );
    expect(plain.stderr).toMatch(
      /\nshipgraph drift: running consts\nshipgraph drift: clean {3}consts \(\d+\.\d s\)\n$/,
    );

    const tty = await shipgraph(repo.dir, ["drift", "--base", "main"], { tty: true });
    expect(tty.stderr).toContain(`\u001b[2Krunning consts at the merge base ${base} (`);
    // the warning goes above the live line (cleared, then redrawn below it), not under the next redraw
    expect(tty.stderr).toContain(`\u001b[1A\u001b[0J${warning}`);
    expect(tty.stderr).toMatch(
      new RegExp(
        `\u001b\\[2Kdone {4}consts at the merge base ${base} \\(\\d+\\.\\d s\\)\n\u001b\\[2Kclean {3}consts \\(\\d+\\.\\d s\\)\n$`,
      ),
    );

    // JSON: stdout the report, stderr the warning only
    const json = await shipgraph(repo.dir, ["drift", "--base", "main", "--format", "json"], { tty: true });
    expect(json.stderr.startsWith(warning)).toBe(true);
    expect(json.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(json.json<DriftReport>().generators).toMatchObject([{ name: "consts", status: "clean" }]);
  });

  it("another command that cannot run at the base: its files under the old glob may be left behind, which a warning says; not drift, and --fix keeps them", async () => {
    // at the base, consts ran a script that fails now, and legacy a tool no longer installed
    const legacy = (outputs: string, run: string) =>
      `  legacy:\n    run: ${run}\n    inputs: ["schema/**", "tools/gen-legacy.mjs"]\n    outputs: ["${outputs}"]\n`;
    const repo = pkgRepo(
      PKG("pkg/**", "node tools/old.mjs") + legacy("legacy/**", "shipgraph-test-no-such-codegen"),
      {
        "tools/old.mjs": 'console.error("old.mjs: schema v1 is gone");\nprocess.exit(3);\n',
        "tools/gen-pkg.mjs": gen("pkg/gen"),
        "tools/gen-legacy.mjs": gen("legacy/gen"),
        "legacy/README.md": "# by hand\n",
        ...generated("legacy/gen"),
      },
    );
    const narrowed = PKG("pkg/gen/**") + legacy("legacy/gen/**", "node tools/gen-legacy.mjs");
    // the commands changed, the globs did not: no candidate, so nothing runs at the base
    repo
      .write({ "shipgraph.yaml": PKG("pkg/**") + legacy("legacy/**", "node tools/gen-legacy.mjs") })
      .commit("run");
    const unchanged = await drift(repo, ["--base", "main"]);
    expect(unchanged.stderr).not.toContain("may be left behind");
    repo.write({ "shipgraph.yaml": narrowed }).commit("narrow");
    const base = repo.git("merge-base", "main", "HEAD").trim().slice(0, 12);
    const { code, report, stderr } = await drift(repo, ["--base", "main"]);
    expect(report.generators.filter((g) => g.leftBehind)).toEqual([]);
    expect(code).toBe(0);
    expect(stderr).toContain(
      `2 file(s) under the outputs of consts at the merge base ${base}, no generator's outputs now, may be left behind (pkg/package.json, pkg/src/index.ts): could not run consts at ${base} to tell whether it wrote them: exited with code 3 (old.mjs: schema v1 is gone)`,
    );
    expect(stderr).toContain(
      `1 file(s) under the outputs of legacy at the merge base ${base}, no generator's outputs now, may be left behind (legacy/README.md): could not run legacy at ${base} to tell whether it wrote them: could not start: spawn shipgraph-test-no-such-codegen ENOENT`,
    );
    // (one warning each, in name order)
    expect(stderr.indexOf("outputs of consts")).toBeLessThan(stderr.indexOf("outputs of legacy"));
    await drift(repo, ["--base", "main", "--fix"]);
    for (const kept of ["pkg/src/index.ts", "pkg/package.json", "legacy/README.md"])
      expect(existsSync(join(repo.dir, kept))).toBe(true);
  });

  it("--quick --base reports what the base's config tells was left behind, and warns about what only a base run could tell", async () => {
    // buf: protoc-gen-es's out moves, the outputs are regenerated there and stamped
    const repo = exampleRepo();
    await stamp(repo);
    repo.commit("stamp");
    repo.git("branch", "-f", "main");
    repo.write({
      "buf.gen.ts.yaml": repo.read("buf.gen.ts.yaml").replace("packages/sdk/src/gen", "packages/sdk/src/pb"),
    });
    buf(repo, "generate", "--template", "buf.gen.ts.yaml");
    await stamp(repo);
    repo.commit("move the out");
    const quick = await shipgraph(repo.dir, ["drift", "--quick", "--base", "main"], { env: cleanEnv() });
    expect(quick.code).toBe(1);
    expect(quick.stdout).toContain("✗ ts-sdk: 5 file(s) left behind since the merge base");
    expect(quick.stdout).toContain(
      "      stale     packages/sdk/src/gen/acme/catalog/v1/catalog_pb.ts (in the tree, left behind: an output of this generator at the merge base, no generator's output now)",
    );
    expect(quick.stdout).toContain("`shipgraph drift --base <ref> --fix`");
    const json = await drift(repo, ["--quick", "--base", "main"]);
    expect(json.report.generators.find((g) => g.name === "ts-sdk")?.leftBehind).toHaveLength(5);
    // without --base, the stamps alone: clean
    expect((await drift(repo, ["--quick"])).code).toBe(0);

    // another command: only running it at the base could tell, which --quick does not do
    const pkg = pkgRepo(PKG("pkg/**"), { "tools/gen-pkg.mjs": gen("pkg/gen") });
    pkg.write({ "shipgraph.yaml": PKG("pkg/gen/**") });
    await stamp(pkg);
    pkg.commit("narrow outputs");
    const base = pkg.git("merge-base", "main", "HEAD").trim().slice(0, 12);
    const narrowed = await drift(pkg, ["--quick", "--base", "main"]);
    expect(narrowed.report.generators.filter((g) => g.leftBehind)).toEqual([]);
    expect(narrowed.code).toBe(0);
    expect(narrowed.stderr).toContain(
      `2 file(s) under the outputs of consts at the merge base ${base}, no generator's outputs now, may be left behind (pkg/package.json, pkg/src/index.ts): --quick runs no generator to tell whether it wrote them. They are not reported: \`shipgraph drift --base main\` runs consts as the merge base had it to tell`,
    );
  });

  it("interrupted while one generator runs at the merge base, the next is not run there (no copy made, nothing started), and that is said once", async () => {
    // at the base, consts hangs (after saying it started) and other would run next (name order)
    const other = (outputs: string) =>
      `  other:\n    run: node tools/gen-other.mjs\n    inputs: ["schema/**", "tools/gen-other.mjs"]\n    outputs: ["${outputs}"]\n`;
    const repo = pkgRepo(PKG("pkg/**", "node tools/hang.mjs") + other("other/**"), {
      "tools/hang.mjs":
        'import { writeFileSync } from "node:fs";\nwriteFileSync(process.env.STARTED + "/consts", "");\nsetInterval(() => {}, 1000);\n',
      "tools/gen-other.mjs": gen("other/gen"),
      "other/README.md": "# by hand\n",
      ...generated("other/gen"),
    });
    repo.write({ "shipgraph.yaml": PKG("pkg/gen/**") + other("other/gen/**") }).commit("narrow");
    const started = tempDir();
    const child = spawn(
      process.execPath,
      [join(projectRoot, "packages/cli/bin/shipgraph.cjs"), "drift", "--base", "main", "--keep-temp"],
      {
        cwd: repo.dir,
        env: { ...cleanEnv(), TMPDIR: tempDir(), STARTED: started } as NodeJS.ProcessEnv,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    const end = Date.now() + 15_000;
    while (readdirSync(started).length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(started)).toEqual(["consts"]);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    // one copy of the merge base (consts's), none made for other after the interrupt
    expect(stderr.match(/keeping the sandbox/g)).toHaveLength(1);
    expect(stderr).toContain("interrupted; generators stopped, sandboxes removed, nothing written");
    // one line for both (consts killed, other never run), not a "could not run … interrupted" each
    const base = repo.git("merge-base", "main", "HEAD").trim().slice(0, 12);
    expect(stderr).toContain(
      `shipgraph: warning: interrupted: 2 generator(s) not run at the merge base ${base}, so the files they may have left behind were not checked (consts, other)\n`,
    );
    expect(stderr).not.toContain("could not run");
    // consts's progress line there says it was interrupted, not that it failed
    expect(stderr).toMatch(
      new RegExp(`^shipgraph drift: interrupted consts at the merge base ${base} \\(`, "m"),
    );
    expect(stderr).not.toContain("failed  consts at the merge base");
    expect(stderr.match(/interrupted/g)).toHaveLength(3);
  });

  it("a file left behind that a sparse checkout leaves out is reported; --fix writes nothing", async () => {
    const repo = repoOnBranch();
    repo.write({ "shipgraph.yaml": `generators:\n${CONSTS("sdk")}`, ...generated("sdk") }).commit("move");
    repo.git("sparse-checkout", "set", "--no-cone", "/*", "!/gen/b.ts");
    const { code, report } = await drift(repo, ["--base", "main"]);
    expect(report.generators).toMatchObject([{ name: "consts", leftBehind: ["gen/a.ts", "gen/b.ts"] }]);
    expect(code).toBe(1);
    const fixed = await drift(repo, ["--base", "main", "--fix"]);
    expect(fixed.report.generators).toMatchObject([{ name: "consts", status: "failed" }]);
    expect(existsSync(join(repo.dir, "gen/a.ts"))).toBe(true);
  });

  it("a config renamed since the merge base: outputs left behind are not looked for, which a warning says", async () => {
    const repo = repoOnBranch();
    repo.remove("shipgraph.yaml");
    repo
      .write({
        "shipgraph.json": JSON.stringify({
          generators: {
            consts: {
              run: "node tools/gen-sdk.mjs",
              inputs: ["schema/**", "tools/gen-sdk.mjs"],
              outputs: ["sdk/**"],
            },
          },
        }),
        ...generated("sdk"),
      })
      .commit("rename and move");
    const { code, stderr } = await drift(repo, ["--base", "main"]);
    expect(stderr).toContain(
      "were not looked for: its config is shipgraph.yaml, and shipgraph.json is not there",
    );
    expect(code).toBe(0);
  });

  it("a config added by the change has nothing to compare with", async () => {
    const repo = gitRepo({ "schema/a.txt": "alpha\n", "README.md": "x\n" });
    repo.git("checkout", "-q", "-b", "work");
    repo
      .write({
        "shipgraph.yaml": `generators:\n${CONSTS("gen")}`,
        "tools/gen-gen.mjs": gen("gen"),
        "gen/a.ts": 'export const value = "alpha";\n',
      })
      .commit("adopt");
    const { code, report, stderr } = await drift(repo, ["--base", "main"]);
    expect(report.generators.map((g) => [g.name, g.status])).toEqual([["consts", "clean"]]);
    expect(stderr).not.toContain("left behind");
    expect(code).toBe(0);
  });
});

describe("drift: files a generator writes outside its outputs", () => {
  it("a new file neither in the tree nor ignored is named in a warning; an ignored one is not", async () => {
    const repo = gitRepo({
      ".gitignore": "cache/\n",
      "shipgraph.yaml": `generators:\n${CONSTS("gen")}`,
      "tools/gen-gen.mjs": `${gen("gen")}import { mkdirSync as md, writeFileSync as wf } from "node:fs";\nmd("extra", { recursive: true });\nwf("extra/x.ts", "export {};\\n");\nmd("cache", { recursive: true });\nwf("cache/state", "x");\n`,
      "schema/a.txt": "alpha\n",
      "schema/b.txt": "beta\n",
      ...generated("gen"),
    });
    const { code, stderr } = await drift(repo, []);
    expect(code).toBe(0);
    expect(stderr).toContain(
      "consts wrote 1 file(s) outside its outputs that the tree does not have and the repository does not ignore (extra/x.ts)",
    );
    expect(stderr).not.toContain("cache/state");
  });
});
