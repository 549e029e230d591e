import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { GeneratorDrift } from "@shipgraph/core";
import { describe, expect, it } from "vitest";
import { shipgraph } from "./helpers/cli.js";
import { driftIn } from "./helpers/drift.js";
import { exampleRepo, gitRepo, type TestRepo } from "./helpers/repo.js";
import { treeHashes } from "./helpers/tree.js";

/** Runs `drift --format json` and checks that it wrote nothing to the working tree. */
const drift = (repo: TestRepo, ...args: string[]) => driftIn(repo, args, { readOnly: true });

const clean = (name: string): GeneratorDrift => ({
  name,
  status: "clean",
  modified: [],
  missing: [],
  stale: [],
  diffs: {},
});

describe("shipgraph drift with real buf and protoc-gen-es", () => {
  it("the example's checked-in SDK is exactly what buf generates", async () => {
    const repo = exampleRepo();
    const { code, report } = await drift(repo);
    expect(code).toBe(0);
    expect(report).toEqual({ clean: true, generators: [clean("routes"), clean("ts-sdk")] });
  });

  it("a hand-edited generated file is drift (exit 1), named, with its diff", async () => {
    const repo = exampleRepo();
    const file = "packages/sdk/src/gen/acme/users/v1/users_pb.ts";
    repo.append(file, "// edited by hand\n");
    const { code, report } = await drift(repo);
    expect(code).toBe(1);
    const sdk = report.generators.find((g) => g.name === "ts-sdk")!;
    expect(sdk).toMatchObject({ status: "drift", modified: [file], missing: [], stale: [] });
    expect(sdk.diffs[file]).toContain(`--- a/${file}`);
    expect(sdk.diffs[file]).toContain("-// edited by hand");
    expect(report.generators.find((g) => g.name === "routes")).toEqual(clean("routes"));
    const text = await shipgraph(repo.dir, ["drift"]);
    expect(text.code).toBe(1);
    // the drifted file is named with the .proto it comes from
    expect(sdk.sources).toEqual({ [file]: "proto/acme/users/v1/users.proto" });
    expect(text.stdout).toContain(`modified  ${file} from proto/acme/users/v1/users.proto`);
    expect(text.stdout).toContain("Run `shipgraph drift --fix`");
  });

  it("a proto edited and one added without regenerating: exit 1 naming modified and missing files", async () => {
    const repo = exampleRepo();
    repo.append("proto/acme/users/v1/users.proto", "\nmessage Session {\n  string token = 1;\n}\n");
    repo.write({
      "proto/acme/billing/v1/invoice.proto":
        'syntax = "proto3";\n\npackage acme.billing.v1;\n\nimport "acme/common/v1/money.proto";\n\nmessage Invoice {\n  acme.common.v1.Money total = 1;\n}\n\nservice InvoiceService {\n  rpc Get(Invoice) returns (Invoice);\n}\n',
    });
    const { code, report } = await drift(repo);
    expect(code).toBe(1);
    expect(report.generators).toMatchObject([
      {
        name: "routes",
        status: "drift",
        modified: [],
        missing: ["packages/routes/src/gen/acme/billing/v1/invoice_routes.ts"],
        stale: [],
      },
      {
        name: "ts-sdk",
        status: "drift",
        modified: ["packages/sdk/src/gen/acme/users/v1/users_pb.ts"],
        missing: ["packages/sdk/src/gen/acme/billing/v1/invoice_pb.ts"],
        stale: [],
        sources: {
          "packages/sdk/src/gen/acme/billing/v1/invoice_pb.ts": "proto/acme/billing/v1/invoice.proto",
          "packages/sdk/src/gen/acme/users/v1/users_pb.ts": "proto/acme/users/v1/users.proto",
        },
      },
    ]);
    // routes' plugin is named by the example's protoOutputs pattern
    expect(report.generators[0]!.sources).toEqual({
      "packages/routes/src/gen/acme/billing/v1/invoice_routes.ts": "proto/acme/billing/v1/invoice.proto",
    });
  });

  it("a proto deleted while its outputs stay checked in: exit 1, stale", async () => {
    const repo = exampleRepo();
    repo.remove("proto/acme/users/v1/users.proto");
    const { code, report } = await drift(repo);
    expect(code).toBe(1);
    expect(report.generators).toMatchObject([
      { name: "routes", stale: ["packages/routes/src/gen/acme/users/v1/users_routes.ts"] },
      { name: "ts-sdk", stale: ["packages/sdk/src/gen/acme/users/v1/users_pb.ts"] },
    ]);
  });

  it("--fix writes the outputs, deletes stale ones, touches nothing else; then drift is clean", async () => {
    const repo = exampleRepo();
    repo.append("proto/acme/users/v1/users.proto", "\nmessage Session {\n  string token = 1;\n}\n");
    repo.remove("proto/acme/catalog/v1/catalog.proto", "proto/acme/orders/v1/orders.proto");
    repo.append("packages/routes/src/gen/acme/users/v1/users_routes.ts", "// hand edit\n");
    const before = treeHashes(repo.dir);
    const fix = await shipgraph(repo.dir, ["drift", "--fix"]);
    expect(fix.code).toBe(0);
    expect(fix.stdout).toContain("✓ ts-sdk: fixed");
    const after = treeHashes(repo.dir);
    const changed = Object.keys({ ...before, ...after })
      .filter((path) => before[path] !== after[path])
      .sort();
    expect(changed).toEqual([
      "packages/routes/src/gen/acme/catalog/v1/catalog_routes.ts",
      "packages/routes/src/gen/acme/orders/v1/orders_routes.ts",
      "packages/routes/src/gen/acme/users/v1/users_routes.ts",
      "packages/sdk/src/gen/acme/catalog/v1/catalog_pb.ts",
      "packages/sdk/src/gen/acme/orders/v1/orders_pb.ts",
      "packages/sdk/src/gen/acme/users/v1/users_pb.ts",
    ]);
    expect(after["packages/sdk/src/gen/acme/orders/v1/orders_pb.ts"]).toBeUndefined();
    expect(readFileSync(join(repo.dir, "packages/sdk/src/gen/acme/users/v1/users_pb.ts"), "utf8")).toContain(
      "SessionSchema",
    );
    const again = await drift(repo);
    expect(again.code).toBe(0);
    expect(again.report.clean).toBe(true);
  });

  it("a generator that needs the network fails with exit 2 and says so, never drift or clean", async () => {
    const repo = exampleRepo();
    repo.write({
      "buf.gen.remote.yaml":
        "version: v2\ninputs:\n  - directory: proto\nplugins:\n  - remote: buf.build/bufbuild/es:v2.2.0\n    out: gen/remote\n",
    });
    repo.append("shipgraph.yaml", "").write({
      "shipgraph.yaml": `${readFileSync(join(repo.dir, "shipgraph.yaml"), "utf8").replace(
        "generators:\n",
        "generators:\n  remote-es:\n    template: buf.gen.remote.yaml\n    protos: [core]\n",
      )}`,
    });
    const { code, report } = await drift(repo, "remote-es", "--timeout", "60");
    expect(code).toBe(2);
    expect(report.generators).toHaveLength(1);
    expect(report.generators[0]).toMatchObject({
      name: "remote-es",
      status: "failed",
      failure: { reason: "exit" },
    });
    expect(report.generators[0]!.failure!.hint).toContain("needs the network");
  });

  it("drift --base main checks only the generators affected since main", async () => {
    const repo = exampleRepo();
    repo.append("plugins/protoc-gen-routes/index.mjs", "// faster\n").commit();
    const { code, report } = await drift(repo, "--base", "main");
    expect(code).toBe(0);
    expect(report.generators.map((g) => g.name)).toEqual(["routes"]);
    const none = await drift(repo, "--base", "HEAD");
    expect(none.report).toEqual({ clean: true, generators: [] });
  });

  it("--committed checks HEAD, not the working tree", async () => {
    const repo = exampleRepo();
    repo.append("packages/sdk/src/gen/acme/users/v1/users_pb.ts", "// not committed\n");
    expect((await drift(repo, "ts-sdk")).code).toBe(1);
    const committed = await drift(repo, "ts-sdk", "--committed");
    expect(committed.code).toBe(0);
    expect(committed.report.generators).toEqual([clean("ts-sdk")]);
  });

  it("--quick: a .proto change is a changed input of every generator compiling the module", async () => {
    const repo = exampleRepo();
    const stamp = await shipgraph(repo.dir, ["stamp", "--no-verify"]);
    expect(stamp.code, stamp.stderr).toBe(0);
    repo.commit("stamp");
    expect((await drift(repo, "--quick")).code).toBe(0);
    repo.append("proto/acme/users/v1/users.proto", "\nmessage Flag {\n  bool on = 1;\n}\n");
    const { code, report } = await drift(repo, "--quick");
    expect(code).toBe(1);
    expect(report.generators.map((g) => [g.name, g.quick])).toEqual([
      ["routes", { inputsChanged: true, outputsEdited: false }],
      ["ts-sdk", { inputsChanged: true, outputsEdited: false }],
    ]);
  });

  it("an unknown generator name is exit 2 with a suggestion", async () => {
    const repo = exampleRepo();
    const run = await shipgraph(repo.dir, ["drift", "ts-skd"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no generator named "ts-skd"');
    expect(run.stderr).toContain('did you mean "ts-sdk"?');
  });
});

describe("drift report formats", () => {
  it("github: a few escaped ::error annotations and a full table in the job summary", async () => {
    const repo = gitRepo({});
    const outputs = Array.from({ length: 14 }, (_, i) => `gen/file,${i}.txt`);
    repo.write({
      "shipgraph.yaml": 'generators:\n  many:\n    run: ["node", "gen.mjs"]\n    outputs: ["gen/**"]\n',
      "gen.mjs": `import { mkdirSync, writeFileSync } from "node:fs";\nmkdirSync("gen", { recursive: true });\nfor (const f of ${JSON.stringify(outputs)}) writeFileSync(f, "new\\n");\n`,
    });
    repo.commit("gen");
    const summary = join(repo.dir, "..", `summary-${Date.now()}.md`);
    const run = await shipgraph(repo.dir, ["drift", "--format", "github"], {
      env: { ...process.env, GITHUB_STEP_SUMMARY: summary, GITHUB_ACTIONS: "true" },
    });
    expect(run.code).toBe(1);
    const annotations = run.stdout.split("\n").filter((l) => l.startsWith("::error"));
    expect(annotations).toHaveLength(10);
    expect(annotations[0]).toBe(
      "::error title=shipgraph drift%3A many::gen/file,0.txt is generated but not checked in; run `shipgraph drift --fix`",
    );
    expect(annotations[9]).toBe("::error title=shipgraph drift::5 more problems: see the job summary");
    const markdown = readFileSync(summary, "utf8");
    expect(markdown).toContain("| `many` | drift | 0 | 14 | 0 |");
    expect(markdown).toContain("- missing: `gen/file,13.txt`");
  });

  it("junit: one test case per generator, drift as a failure", async () => {
    const repo = exampleRepo();
    repo.append("packages/sdk/src/gen/acme/users/v1/users_pb.ts", '// <edited> & "quoted"\n');
    const run = await shipgraph(repo.dir, ["drift", "--format", "junit"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="shipgraph drift" tests="2" failures="1" errors="0">/,
    );
    expect(run.stdout).toContain('<testcase classname="shipgraph.drift" name="routes">\n    </testcase>');
    expect(run.stdout).toContain('<failure message="ts-sdk: drift (1 modified, 0 missing, 0 stale)">');
    expect(run.stdout).toContain("-// &lt;edited&gt; &amp; &quot;quoted&quot;");
    expect(run.stderr).toBe("");
  });
});
