import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { shipgraph } from "./helpers/cli.js";
import { driftIn } from "./helpers/drift.js";
import { buf, exampleRepo, type TestRepo } from "./helpers/repo.js";
import { changedBetween, treeHashes } from "./helpers/tree.js";

/*
 * A `protoOutputs` pattern whose placeholders match nearly anything: the example's routes plugin
 * writing `<path>.ts`, described as `{out}/{path}.ts` (read as a glob, `out/**\/*.ts`), into an
 * out (no `clean`) that also holds a hand-written index.ts. Only a name the pattern gives for a
 * .proto file that is or was there is generated code drift --fix may delete.
 */

const OUT = "packages/routes/src/gen";
const INDEX = `${OUT}/index.ts`;
const README = `${OUT}/README.md`;
const PATTERN = "{out}/{path}.ts";
/** Heavy: several real buf runs in one test, on shared cores. */
const BUF_RUNS_TIMEOUT = 240_000;

/** The routes plugin writing `<path>.ts` under protoOutputs `{out}/{path}.ts`, no `clean`; a hand-written index.ts and README.md in its out. Committed on `feature`. */
function routesNamedByPath(): TestRepo {
  const repo = exampleRepo();
  const plugin = "plugins/protoc-gen-routes/index.mjs";
  repo.write({
    [plugin]: repo.read(plugin).replace("`${file.name}_routes.ts`", "`${file.name}.ts`"),
    "shipgraph.yaml": repo.read("shipgraph.yaml").replace('"{out}/{path}_routes.ts"', `"${PATTERN}"`),
    "buf.gen.routes.yaml": repo.read("buf.gen.routes.yaml").replace("clean: true\n", ""),
  });
  repo.remove(OUT);
  buf(repo, "generate", "--template", "buf.gen.routes.yaml");
  repo.write({
    [INDEX]: 'export * from "./acme/orders/v1/orders.js";\n',
    [README]: "hand-written notes\n",
  });
  repo.commit("routes: <path>.ts, beside code of our own");
  return repo;
}

describe("drift: a file shaped as a broad protoOutputs pattern's names", () => {
  it(
    "a hand-written index.ts is undecided, never deleted by --fix; the file of a .proto deleted is stale and deleted",
    async () => {
      const repo = routesNamedByPath();
      expect(repo.read(`${OUT}/acme/orders/v1/orders.ts`)).toContain("export const routes");
      const index = readFileSync(join(repo.dir, INDEX));
      const noProto = { kind: "no-proto", out: OUT, pattern: PATTERN };

      // nothing deleted: index.ts is shaped as the pattern's names, but no .proto file gives it
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
          undecided: { [INDEX]: noProto },
          unclaimed: [README],
        },
      ]);
      const text = await shipgraph(repo.dir, ["drift", "routes"]);
      expect(text.code).toBe(1);
      expect(text.stdout).toContain(
        `      undecided ${INDEX} (not written by the generator, shaped as the \`protoOutputs\` pattern ${PATTERN} names files, but no .proto file the generator compiles gives its name (none in the working tree, the index, HEAD, or the merge base with --base): generated code of a .proto deleted earlier, or code of your own? --fix leaves it; if generated, delete it (or run --fix with --base at a commit that has the .proto); if your own, move it out of ${OUT})`,
      );

      // a .proto deleted (HEAD still has it): its file is stale, and --fix deletes it, not index.ts
      repo.remove("proto/acme/orders/v1/orders.proto");
      const deleted = await driftIn(repo, ["routes"], { readOnly: true });
      expect(deleted.code, deleted.stderr).toBe(1);
      expect(deleted.report.generators).toMatchObject([
        {
          name: "routes",
          status: "drift",
          stale: [`${OUT}/acme/orders/v1/orders.ts`],
          undecided: { [INDEX]: noProto },
          unclaimed: [README],
        },
      ]);
      const before = treeHashes(repo.dir);
      const fixed = await shipgraph(repo.dir, ["drift", "routes", "--fix"]);
      expect(fixed.code, fixed.stderr).toBe(1);
      expect(fixed.stdout).toContain(
        "✗ routes: fixed but for the undecided files (0 modified, 0 missing, 1 stale, 1 undecided)",
      );
      expect(changedBetween(before, treeHashes(repo.dir))).toEqual([`${OUT}/acme/orders/v1/orders.ts`]);
      expect(readFileSync(join(repo.dir, INDEX)).equals(index)).toBe(true);
    },
    BUF_RUNS_TIMEOUT,
  );

  it(
    "the files of a .proto deleted in a commit: protoc-gen-es's stale either way; the pattern's stale with --base (the merge base has the .proto), undecided without",
    async () => {
      const repo = routesNamedByPath();
      const OLD_PROTO = "proto/acme/old/v1/old.proto";
      const OLD_ROUTES = `${OUT}/acme/old/v1/old.ts`;
      const OLD_PB = "packages/sdk/src/gen/acme/old/v1/old_pb.ts";
      repo.write({
        [OLD_PROTO]:
          'syntax = "proto3";\n\npackage acme.old.v1;\n\nmessage PingRequest {}\nmessage PingResponse {}\n\nservice OldService {\n  rpc Ping(PingRequest) returns (PingResponse);\n}\n',
      });
      buf(repo, "generate", "--template", "buf.gen.routes.yaml");
      buf(repo, "generate", "--template", "buf.gen.ts.yaml");
      expect(repo.read(OLD_ROUTES)).toContain("OldService");
      expect(repo.read(OLD_PB)).toContain("PingRequest");
      repo.commit("old.proto");
      repo.git("checkout", "-q", "-B", "main");
      repo.git("checkout", "-q", "-b", "drop-old");
      repo.remove(OLD_PROTO);
      repo.commit("drop old.proto (its generated files left)");

      // no .proto of the tree, the index or HEAD gives old.ts: it may be code of our own
      const without = await driftIn(repo, [], { readOnly: true });
      expect(without.code, without.stderr).toBe(1);
      expect(without.report.generators).toMatchObject([
        {
          name: "routes",
          status: "drift",
          stale: [],
          undecided: {
            [INDEX]: { kind: "no-proto" },
            [OLD_ROUTES]: { kind: "no-proto", out: OUT, pattern: PATTERN },
          },
        },
        // (protoc-gen-es's naming is known: its file is stale as before)
        { name: "ts-sdk", status: "drift", stale: [OLD_PB] },
      ]);

      // the merge base has old.proto: old.ts is its generated file, stale, and --fix deletes it
      const withBase = await driftIn(repo, ["--base", "main"], { readOnly: true });
      expect(withBase.code, withBase.stderr).toBe(1);
      expect(withBase.report.generators).toMatchObject([
        {
          name: "routes",
          status: "drift",
          stale: [OLD_ROUTES],
          undecided: { [INDEX]: { kind: "no-proto" } },
        },
        { name: "ts-sdk", status: "drift", stale: [OLD_PB] },
      ]);
      const before = treeHashes(repo.dir);
      const fixed = await shipgraph(repo.dir, ["drift", "--base", "main", "--fix"]);
      expect(fixed.code, fixed.stderr).toBe(1);
      expect(changedBetween(before, treeHashes(repo.dir))).toEqual([OLD_ROUTES, OLD_PB]);
      expect(treeHashes(repo.dir)[INDEX]).toBe(before[INDEX]);
    },
    BUF_RUNS_TIMEOUT,
  );
});
