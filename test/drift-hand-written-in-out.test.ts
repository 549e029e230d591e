import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { affectedIn } from "./helpers/affected.js";
import { shipgraph } from "./helpers/cli.js";
import { driftIn } from "./helpers/drift.js";
import { buf, exampleRepo, type TestRepo } from "./helpers/repo.js";
import { treeHashes } from "./helpers/tree.js";

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

/** Paths whose bytes differ between two treeHashes, sorted. */
function changedBetween(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys({ ...before, ...after })
    .filter((path) => before[path] !== after[path])
    .sort();
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
        `ts-sdk: 1 file(s) under its outputs (the template's out packages/sdk/src) that it does not write and that shipgraph cannot tell are generated code (${INDEX}): not reported as stale, and --fix leaves them. If they are code of your own, move them out of packages/sdk/src; if they are generated code, set shipgraph.yaml generators.ts-sdk.outputs`,
      );

      const before = treeHashes(repo.dir);
      const fixed = await shipgraph(repo.dir, ["drift", "--fix"]);
      expect(fixed.code, fixed.stderr).toBe(0);
      expect(fixed.stderr).toContain(`(${INDEX}): not reported as stale, and --fix leaves them`);
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
      // (the routes plugin's out, with `clean: true`: a file its protoOutputs do not name is kept too)
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
          unclaimed: ["packages/routes/src/gen/NOTES.md"],
        },
        {
          name: "ts-sdk",
          status: "drift",
          stale: ["packages/sdk/src/acme/orders/v1/orders_pb.ts"],
          unclaimed: [INDEX],
        },
      ]);
      expect(checked.stderr).toContain(
        "routes: 1 file(s) under its outputs (the template's out packages/routes/src/gen) that it does not write and that shipgraph cannot tell are generated code (packages/routes/src/gen/NOTES.md): not reported as stale, and --fix leaves them; its template has `clean: true`, so `buf generate` deletes them wherever it runs.",
      );

      const before = treeHashes(repo.dir);
      const fixed = await shipgraph(repo.dir, ["drift", "--fix"]);
      expect(fixed.code, fixed.stderr).toBe(0);
      expect(fixed.stdout).toContain("✓ ts-sdk: fixed");
      expect(changedBetween(before, treeHashes(repo.dir))).toEqual([
        "packages/routes/src/gen/acme/orders/v1/orders_routes.ts",
        "packages/sdk/src/acme/orders/v1/orders_pb.ts",
      ]);
      expect(treeHashes(repo.dir)[INDEX]).toBe(before[INDEX]);
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
