import { describe, expect, it } from "vitest";
import { shipgraph } from "./helpers/cli.js";
import { driftIn } from "./helpers/drift.js";
import { buf, exampleRepo, type TestRepo } from "./helpers/repo.js";
import { changedBetween, treeHashes } from "./helpers/tree.js";

/*
 * A `protoOutputs` pattern gives a name for a .proto file only where the plugin writes one: for a
 * file the generator compiles (not one of a module it does not read, nor one its inputs' paths
 * leave out) and, with `onlyWithServices`, one that declares (or declared) a service. The
 * example's routes plugin writing `<file stem>.ts` (protoOutputs `{out}/{name}.ts`), no `clean`,
 * with code of our own in its out named as the pattern names a file nobody generates.
 */

const OUT = "packages/routes/src/gen";
const PATTERN = "{out}/{name}.ts";
/** Heavy: several real buf runs in one test, on shared cores. */
const BUF_RUNS_TIMEOUT = 240_000;

/** The routes plugin writing `<stem>.ts` (for files with services) under `{out}/{name}.ts`; a vendored module routes does not read; `own` written in its out. Committed on `feature`. */
function routesNamedByStem(own: Record<string, string>): TestRepo {
  const repo = exampleRepo();
  const plugin = "plugins/protoc-gen-routes/index.mjs";
  repo.write({
    [plugin]: repo
      .read(plugin)
      .replace("`${file.name}_routes.ts`", '`${file.name.slice(file.name.lastIndexOf("/") + 1)}.ts`'),
    "shipgraph.yaml": repo
      .read("shipgraph.yaml")
      .replace('"{out}/{path}_routes.ts"', `"${PATTERN}"`)
      .replace("core: { path: proto }", "core: { path: proto }\n  vendor: { path: vendor }"),
    "buf.yaml": repo.read("buf.yaml").replace("  - path: proto\n", "  - path: proto\n  - path: vendor\n"),
    "buf.gen.routes.yaml": repo.read("buf.gen.routes.yaml").replace("clean: true\n", ""),
    "vendor/google/api/client.proto":
      'syntax = "proto3";\n\npackage google.api;\n\nmessage ClientLibrarySettings {\n  string version = 1;\n}\n\nservice Settings {\n  rpc Get(ClientLibrarySettings) returns (ClientLibrarySettings);\n}\n',
  });
  repo.remove(OUT);
  buf(repo, "generate", "--template", "buf.gen.routes.yaml");
  repo.write(own);
  repo.commit("routes: <stem>.ts, beside code of our own; a vendored module");
  return repo;
}

/** Drift of routes names `own` undecided (no-proto), nothing stale; --fix leaves the tree as it was. */
async function ownCodeLeftAlone(repo: TestRepo, own: readonly string[]): Promise<void> {
  const noProto = { kind: "no-proto", out: OUT, pattern: PATTERN };
  const checked = await driftIn(repo, ["routes"], { readOnly: true });
  expect(checked.code, checked.stderr).toBe(1);
  expect(checked.report.generators).toMatchObject([
    {
      name: "routes",
      status: "drift",
      stale: [],
      undecided: Object.fromEntries(own.map((f) => [f, noProto])),
    },
  ]);
  const before = treeHashes(repo.dir);
  const fixed = await shipgraph(repo.dir, ["drift", "routes", "--fix"]);
  expect(fixed.code, fixed.stderr).toBe(1);
  expect(changedBetween(before, treeHashes(repo.dir))).toEqual([]);
}

describe("drift: a name a protoOutputs pattern gives where the plugin writes none", () => {
  it(
    "code of our own named as the pattern names a vendored .proto that routes does not compile (client.ts): undecided, never deleted by --fix",
    async () => {
      const CLIENT = `${OUT}/client.ts`;
      const repo = routesNamedByStem({ [CLIENT]: 'export const client = "ours";\n' });
      expect(repo.read(`${OUT}/orders.ts`)).toContain("export const routes");
      await ownCodeLeftAlone(repo, [CLIENT]);
      expect(repo.read(CLIENT)).toContain("ours");
    },
    BUF_RUNS_TIMEOUT,
  );

  it(
    "code of our own named as an onlyWithServices pattern names a .proto of messages only (money.ts): undecided, never deleted by --fix",
    async () => {
      const MONEY = `${OUT}/money.ts`;
      const repo = routesNamedByStem({
        [MONEY]: "export const format = (cents: number) => `${cents / 100}`;\n",
      });
      await ownCodeLeftAlone(repo, [MONEY]);
      expect(repo.read(MONEY)).toContain("format");
    },
    BUF_RUNS_TIMEOUT,
  );

  it(
    "the file of a .proto deleted, or of one that lost its services, is still stale, and --fix deletes it",
    async () => {
      const repo = routesNamedByStem({});
      repo.remove("proto/acme/orders/v1/orders.proto");
      const users = "proto/acme/users/v1/users.proto";
      repo.write({ [users]: repo.read(users).replace(/\nservice [\s\S]*$/, "\n") });
      expect(repo.read(users)).not.toContain("service");
      const stale = [`${OUT}/orders.ts`, `${OUT}/users.ts`];

      const checked = await driftIn(repo, ["routes"], { readOnly: true });
      expect(checked.code, checked.stderr).toBe(1);
      expect(checked.report.generators).toMatchObject([{ name: "routes", status: "drift", stale }]);
      expect(checked.report.generators[0]!.undecided).toBeUndefined();
      const before = treeHashes(repo.dir);
      const fixed = await shipgraph(repo.dir, ["drift", "routes", "--fix"]);
      expect(fixed.code, fixed.stderr).toBe(0);
      expect(changedBetween(before, treeHashes(repo.dir))).toEqual(stale);
    },
    BUF_RUNS_TIMEOUT,
  );
});
