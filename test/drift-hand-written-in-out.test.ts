import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { StampFile } from "@shipgraph/core";
import { describe, expect, it } from "vitest";
import { affectedIn } from "./helpers/affected.js";
import { shipgraph } from "./helpers/cli.js";
import { driftIn } from "./helpers/drift.js";
import { buf, exampleRepo, type TestRepo } from "./helpers/repo.js";
import { changedBetween, treeHashes } from "./helpers/tree.js";

/*
 * A plugin's `out` moved onto a directory that also holds code of the repository's own
 * (protoc-gen-es writing to packages/sdk/src, beside the hand-written index.ts), without buf's
 * `clean: true`. The generator's outputs default to `packages/sdk/src/**`, so the run never
 * writing index.ts does not make it generated code: drift warns about it and --fix leaves it.
 * Configured `outputs` that take it in are the user's word that it is generated: stale, deleted.
 */

const INDEX = "packages/sdk/src/index.ts";
/** Heavy: several real buf runs in one test, on shared cores. */
const BUF_RUNS_TIMEOUT = 180_000;

/** The example with protoc-gen-es writing to packages/sdk/src (no `clean`), regenerated and committed on `feature`. */
function sdkOutOnHandWrittenCode(): TestRepo {
  const repo = exampleRepo();
  repo.write({
    "buf.gen.ts.yaml": repo
      .read("buf.gen.ts.yaml")
      .replace("out: packages/sdk/src/gen", "out: packages/sdk/src")
      .replace("clean: true\n", ""),
  });
  repo.remove("packages/sdk/src/gen");
  buf(repo, "generate", "--template", "buf.gen.ts.yaml");
  repo.commit("sdk: generate into src");
  return repo;
}

describe("a hand-written file under a plugin's default outputs", () => {
  it(
    "is a warning, not stale: drift is clean and --fix keeps it byte for byte; configured outputs taking it in make it stale",
    async () => {
      const repo = sdkOutOnHandWrittenCode();
      expect(repo.read("packages/sdk/src/acme/users/v1/users_pb.ts")).toContain("UserSchema");
      repo.append(INDEX, "// more of our own\n");
      const index = readFileSync(join(repo.dir, INDEX));

      const checked = await driftIn(repo, [], { readOnly: true });
      expect(checked.code, checked.stderr).toBe(0);
      const sdk = checked.report.generators.find((g) => g.name === "ts-sdk");
      expect(sdk).toMatchObject({ status: "clean", stale: [], unclaimed: [INDEX] });
      expect(checked.stderr).toContain(
        `ts-sdk: 1 file(s) under its outputs (the template's out packages/sdk/src) that it does not write and that are named as none of its plugins names files (${INDEX}): taken for code of your own: not reported as stale, and --fix leaves them. If they are generated code, set shipgraph.yaml generators.ts-sdk.outputs to globs that take them in (drift then reports them stale and --fix deletes them); to end this warning, move them out of packages/sdk/src`,
      );

      const before = treeHashes(repo.dir);
      const fixed = await shipgraph(repo.dir, ["drift", "--fix"]);
      expect(fixed.code, fixed.stderr).toBe(0);
      expect(fixed.stderr).toContain(`(${INDEX}): taken for code of your own: not reported as stale`);
      expect(treeHashes(repo.dir)).toEqual(before);
      expect(readFileSync(join(repo.dir, INDEX)).equals(index)).toBe(true);

      // configured outputs are the user's word: index.ts is generated code no run writes now
      repo.write({
        "shipgraph.yaml": repo
          .read("shipgraph.yaml")
          .replace("    protos: [core]\n", '    protos: [core]\n    outputs: ["packages/sdk/src/**"]\n'),
      });
      const claimed = await driftIn(repo, [], { readOnly: true });
      expect(claimed.code).toBe(1);
      const stale = claimed.report.generators.find((g) => g.name === "ts-sdk")!;
      expect(stale).toMatchObject({ status: "drift", stale: [INDEX] });
      expect(stale.unclaimed).toBeUndefined();
      const deleting = treeHashes(repo.dir);
      expect((await shipgraph(repo.dir, ["drift", "--fix"])).code).toBe(0);
      expect(changedBetween(deleting, treeHashes(repo.dir))).toEqual([INDEX]);
    },
    BUF_RUNS_TIMEOUT,
  );

  it(
    "a .proto deleted: its generated files are stale and --fix deletes them, but never index.ts",
    async () => {
      const repo = sdkOutOnHandWrittenCode();
      // (the routes plugin's out, with `clean: true`: a file its protoOutputs do not name is kept
      // too, but it is drift: every `buf generate` deletes it)
      repo.write({ "packages/routes/src/gen/NOTES.md": "hand-written notes\n" });
      repo.commit("notes");
      repo.remove("proto/acme/orders/v1/orders.proto");
      const checked = await driftIn(repo, [], { readOnly: true });
      expect(checked.code).toBe(1);
      expect(checked.report.generators).toMatchObject([
        {
          name: "routes",
          status: "drift",
          stale: ["packages/routes/src/gen/acme/orders/v1/orders_routes.ts"],
          undecided: {
            "packages/routes/src/gen/NOTES.md": { kind: "clean", out: "packages/routes/src/gen" },
          },
        },
        {
          name: "ts-sdk",
          status: "drift",
          stale: ["packages/sdk/src/acme/orders/v1/orders_pb.ts"],
          unclaimed: [INDEX],
        },
      ]);
      expect(checked.report.generators[0]!.unclaimed).toBeUndefined();

      const before = treeHashes(repo.dir);
      const fixed = await shipgraph(repo.dir, ["drift", "--fix"]);
      // (NOTES.md is drift --fix does not settle)
      expect(fixed.code, fixed.stderr).toBe(1);
      expect(fixed.stdout).toContain("✓ ts-sdk: fixed");
      expect(fixed.stdout).toContain(
        "✗ routes: fixed but for the undecided files (0 modified, 0 missing, 1 stale, 1 undecided)",
      );
      expect(fixed.stdout).toContain(
        "      undecided packages/routes/src/gen/NOTES.md (named as none of the template's plugins names files, but the template has `clean: true`: every `buf generate` deletes it. --fix leaves it; move it out of packages/routes/src/gen, or remove `clean: true`)",
      );
      expect(changedBetween(before, treeHashes(repo.dir))).toEqual([
        "packages/routes/src/gen/acme/orders/v1/orders_routes.ts",
        "packages/sdk/src/acme/orders/v1/orders_pb.ts",
      ]);
      expect(treeHashes(repo.dir)[INDEX]).toBe(before[INDEX]);
      repo.remove("packages/routes/src/gen/NOTES.md");
      const again = await driftIn(repo, [], { readOnly: true });
      expect(again.code).toBe(0);
    },
    BUF_RUNS_TIMEOUT,
  );

  it(
    "target=ts changed to target=js: the _pb.ts files are named as the plugin names files, so stale; --fix deletes them, never index.ts",
    async () => {
      const repo = sdkOutOnHandWrittenCode();
      repo.write({
        "buf.gen.ts.yaml": repo.read("buf.gen.ts.yaml").replace("opt: target=ts", "opt: target=js"),
      });
      const stems = [
        "catalog/v1/catalog",
        "common/v1/ids",
        "common/v1/money",
        "orders/v1/orders",
        "users/v1/users",
      ];
      const checked = await driftIn(repo, ["ts-sdk"], { readOnly: true });
      expect(checked.code).toBe(1);
      expect(checked.report.generators).toMatchObject([
        {
          name: "ts-sdk",
          status: "drift",
          missing: stems.map((stem) => `packages/sdk/src/acme/${stem}_pb.js`),
          stale: stems.map((stem) => `packages/sdk/src/acme/${stem}_pb.ts`),
          unclaimed: [INDEX],
        },
      ]);
      const before = treeHashes(repo.dir);
      const fixed = await shipgraph(repo.dir, ["drift", "ts-sdk", "--fix"]);
      expect(fixed.code, fixed.stderr).toBe(0);
      expect(changedBetween(before, treeHashes(repo.dir))).toEqual(
        stems.flatMap((stem) => [
          `packages/sdk/src/acme/${stem}_pb.js`,
          `packages/sdk/src/acme/${stem}_pb.ts`,
        ]),
      );
      expect(treeHashes(repo.dir)[INDEX]).toBe(before[INDEX]);
    },
    BUF_RUNS_TIMEOUT,
  );

  it(
    "affected does not list it as a file the generator rewrites; stamp leaves it out of the outputs hash",
    async () => {
      const repo = sdkOutOnHandWrittenCode();
      // (the template changed since main: every file the generator may write is listed)
      const affected = await affectedIn<{ generatedFiles: Record<string, string[]> }>(repo);
      expect(affected.generatedFiles["ts-sdk"]).toEqual([
        "packages/sdk/src/acme/catalog/v1/catalog_pb.ts",
        "packages/sdk/src/acme/common/v1/ids_pb.ts",
        "packages/sdk/src/acme/common/v1/money_pb.ts",
        "packages/sdk/src/acme/orders/v1/orders_pb.ts",
        "packages/sdk/src/acme/users/v1/users_pb.ts",
      ]);

      const stamp = await shipgraph(repo.dir, ["stamp"]);
      expect(stamp.code, stamp.stderr).toBe(0);
      repo.commit("stamp");
      // an edit to the code of its own is no edited output; an edit to generated code is
      repo.append(INDEX, "export const more = 1;\n");
      const quick = await driftIn(repo, ["--quick"], { readOnly: true });
      expect(quick.code, quick.stderr).toBe(0);
      repo.append("packages/sdk/src/acme/users/v1/users_pb.ts", "// edited\n");
      const edited = await driftIn(repo, ["--quick"], { readOnly: true });
      expect(edited.code).toBe(1);
      expect(edited.report.generators.find((g) => g.name === "ts-sdk")).toMatchObject({
        status: "drift",
        quick: { inputsChanged: false, outputsEdited: true },
      });
    },
    BUF_RUNS_TIMEOUT,
  );
});

/**
 * The outputs hash a stamp of a shipgraph that hashed every file under a generator's outputs
 * (code of the repository's own beside the plugin's files too) wrote for `files`: "sha256m-" and
 * the sha256 of each `path NUL blob-id LF`, sorted (none of them executable).
 */
function everyOutputHash(repo: TestRepo, files: string[]): string {
  const entries = repo
    .git("ls-files", "-s", "--", ...files)
    .trim()
    .split("\n")
    .map((line) => {
      const [meta, path] = line.split("\t");
      return { path: path!, id: meta!.split(" ")[1]! };
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const hash = createHash("sha256");
  for (const { path, id } of entries) hash.update(`${path}\0${id}\n`);
  return `sha256m-${hash.digest("hex")}`;
}

describe("a stamp whose outputs hash took in the hand-written file (written before stamps left it out)", () => {
  it(
    "drift --quick does not call the outputs edited while every file it hashed is unchanged; an edit to one still is",
    async () => {
      const repo = sdkOutOnHandWrittenCode();
      const stamp = await shipgraph(repo.dir, ["stamp", "ts-sdk"]);
      expect(stamp.code, stamp.stderr).toBe(0);
      const lock = JSON.parse(repo.read("shipgraph.lock")) as StampFile;
      const files = repo.git("ls-files", "packages/sdk/src").trim().split("\n");
      expect(files).toContain(INDEX);
      lock.generators["ts-sdk"]!.outputs = everyOutputHash(repo, files);
      repo.write({ "shipgraph.lock": `${JSON.stringify(lock, null, 2)}\n` });
      repo.commit("a stamp as an older shipgraph wrote it");

      const quick = await driftIn(repo, ["--quick", "ts-sdk"], { readOnly: true });
      expect(quick.code, quick.stderr).toBe(0);
      expect(quick.report.generators).toMatchObject([{ name: "ts-sdk", status: "clean" }]);

      repo.append("packages/sdk/src/acme/users/v1/users_pb.ts", "// edited\n");
      const edited = await driftIn(repo, ["--quick", "ts-sdk"], { readOnly: true });
      expect(edited.code).toBe(1);
      expect(edited.report.generators).toMatchObject([
        { name: "ts-sdk", status: "drift", quick: { inputsChanged: false, outputsEdited: true } },
      ]);
    },
    BUF_RUNS_TIMEOUT,
  );
});

/** The example's routes plugin (whose naming shipgraph does not know) without `protoOutputs` or `clean`. */
function routesOfUnknownNaming(): TestRepo {
  const repo = exampleRepo();
  repo.write({
    "shipgraph.yaml": repo
      .read("shipgraph.yaml")
      .replace('      - { pattern: "{out}/{path}_routes.ts", onlyWithServices: true }\n', "")
      .replace("    protoOutputs:\n", ""),
    "buf.gen.routes.yaml": repo.read("buf.gen.routes.yaml").replace("clean: true\n", ""),
    "packages/routes/src/gen/NOTES.md": "hand-written notes\n",
  });
  repo.commit("routes: no protoOutputs, no clean; notes");
  return repo;
}

describe("a file under default outputs that drift cannot take for code of the repository's own", () => {
  const ROUTES = "packages/routes/src/gen/acme/orders/v1/orders_routes.ts";
  const NOTES = "packages/routes/src/gen/NOTES.md";

  it(
    "under the out of a plugin whose naming is not known: drift (a deleted .proto's file is stale code), --fix deletes nothing; protoOutputs settle it",
    async () => {
      const repo = routesOfUnknownNaming();
      repo.remove("proto/acme/orders/v1/orders.proto");
      const unknown = { kind: "naming-unknown", out: "packages/routes/src/gen" };
      const checked = await driftIn(repo, ["routes"], { readOnly: true });
      expect(checked.code, checked.stderr).toBe(1);
      expect(checked.report.generators).toEqual([
        {
          name: "routes",
          status: "drift",
          modified: [],
          missing: [],
          stale: [],
          diffs: {},
          undecided: { [NOTES]: unknown, [ROUTES]: unknown },
        },
      ]);
      const text = await shipgraph(repo.dir, ["drift", "routes"]);
      expect(text.code).toBe(1);
      expect(text.stdout).toContain("✗ routes: drift (0 modified, 0 missing, 0 stale, 2 undecided)");
      expect(text.stdout).toContain(
        `      undecided ${ROUTES} (not written by the generator, under the out (packages/routes/src/gen) of a plugin whose file naming shipgraph does not know: generated code of a deleted .proto, or code of your own? --fix leaves it; if generated, delete it, and set \`protoOutputs\` (or \`outputs\`) so drift can tell next time; if your own, move it out of packages/routes/src/gen)`,
      );

      const before = treeHashes(repo.dir);
      const fixed = await shipgraph(repo.dir, ["drift", "routes", "--fix"]);
      expect(fixed.code, fixed.stderr).toBe(1);
      expect(fixed.stdout).toContain("✗ routes: drift (0 modified, 0 missing, 0 stale, 2 undecided)");
      expect(treeHashes(repo.dir)).toEqual(before);

      // protoOutputs name what the plugin writes: its file is stale, NOTES.md code of our own
      repo.write({
        "shipgraph.yaml": repo
          .read("shipgraph.yaml")
          .replace(
            '    inputs: ["plugins/protoc-gen-routes/**"]\n',
            '    inputs: ["plugins/protoc-gen-routes/**"]\n    protoOutputs: [{ pattern: "{out}/{path}_routes.ts" }]\n',
          ),
      });
      const told = await driftIn(repo, ["routes"], { readOnly: true });
      expect(told.code).toBe(1);
      expect(told.report.generators).toMatchObject([
        { name: "routes", status: "drift", stale: [ROUTES], unclaimed: [NOTES] },
      ]);
      expect(told.report.generators[0]!.undecided).toBeUndefined();
      const settled = treeHashes(repo.dir);
      expect((await shipgraph(repo.dir, ["drift", "routes", "--fix"])).code).toBe(0);
      expect(changedBetween(settled, treeHashes(repo.dir))).toEqual([ROUTES]);
    },
    BUF_RUNS_TIMEOUT,
  );

  it(
    "code of its own under a known plugin's out with `clean: true`, or named as a plugin the template no longer runs names files: drift in every format, --fix leaves it",
    async () => {
      const repo = sdkOutOnHandWrittenCode();
      const CONNECT = "packages/sdk/src/acme/orders/v1/orders_connect.ts";
      repo.write({
        "buf.gen.ts.yaml": `${repo.read("buf.gen.ts.yaml")}clean: true\n`,
        // what protoc-gen-connect-es wrote before it left the template (Connect-ES v2)
        [CONNECT]: "// @generated by protoc-gen-connect-es v1.6.1\nexport const OrderService = {};\n",
      });
      repo.commit("clean; a connect file left");
      const checked = await driftIn(repo, ["ts-sdk"], { readOnly: true });
      expect(checked.code, checked.stderr).toBe(1);
      expect(checked.report.generators).toMatchObject([
        {
          name: "ts-sdk",
          status: "drift",
          stale: [],
          undecided: {
            [CONNECT]: { kind: "plugin-naming", plugin: "connect-es" },
            [INDEX]: { kind: "clean", out: "packages/sdk/src" },
          },
        },
      ]);
      expect(checked.report.generators[0]!.unclaimed).toBeUndefined();

      const summary = join(repo.dir, "..", `summary-${Date.now()}.md`);
      const github = await shipgraph(repo.dir, ["drift", "ts-sdk", "--format", "github"], {
        env: { ...process.env, GITHUB_STEP_SUMMARY: summary, GITHUB_ACTIONS: "true" },
      });
      expect(github.code).toBe(1);
      expect(github.stdout).toContain(
        `::error file=${CONNECT},title=shipgraph drift%3A ts-sdk::${CONNECT} is not written by the generator, named as protoc-gen-connect-es names files, which the template does not run there: generated code of a plugin removed from the template (or moved to another out)? --fix leaves it; if so, delete it; if it is your own, rename it or move it out of the out`,
      );
      expect(github.stdout).toContain(
        `::error file=${INDEX},title=shipgraph drift%3A ts-sdk::${INDEX} is named`,
      );
      const markdown = readFileSync(summary, "utf8");
      expect(markdown).toContain("| `ts-sdk` | drift | 0 | 0 | 0 | 0 | 2 |");
      expect(markdown).toContain(`- undecided (--fix leaves it): \`${INDEX}\``);
      const junit = await shipgraph(repo.dir, ["drift", "ts-sdk", "--format", "junit"]);
      expect(junit.code).toBe(1);
      expect(junit.stdout).toContain(
        '<failure message="ts-sdk: drift (0 modified, 0 missing, 0 stale, 2 undecided)">',
      );
      expect(junit.stdout).toContain(`undecided ${INDEX}: named as none of the template`);

      const before = treeHashes(repo.dir);
      const fixed = await shipgraph(repo.dir, ["drift", "ts-sdk", "--fix"]);
      expect(fixed.code, fixed.stderr).toBe(1);
      expect(treeHashes(repo.dir)).toEqual(before);
      expect(fixed.stdout).toContain(
        "Undecided files are neither deleted nor written by --fix: shipgraph cannot tell they are generated code. Settle each as its line says.",
      );

      // buf deletes them on every run: affected lists them among the files the generator rewrites
      // (the template changed since main)
      const affected = await affectedIn<{ generatedFiles: Record<string, string[]> }>(repo);
      expect(affected.generatedFiles["ts-sdk"]).toEqual(expect.arrayContaining([CONNECT, INDEX]));
    },
    BUF_RUNS_TIMEOUT,
  );
});
