import { describe, expect, it } from "vitest";
import { affectedAfterChange } from "./helpers/affected.js";
import type { TestRepo } from "./helpers/repo.js";

/**
 * `generatedFiles`: the checked-in files a generator will rewrite, add or delete. Each case is a
 * change after which real buf (1.x, protoc-gen-es 2) writes or drops a file an earlier version of
 * shipgraph did not list (found in an audit with real buf).
 */

interface Report {
  affected: Record<string, string[]>;
  generatedFiles: Record<string, string[]>;
}

const proto = (pkg: string, imports: string[] = [], body = "") =>
  `syntax = "proto3";\npackage ${pkg};\n${imports.map((i) => `import "${i}";\n`).join("")}message M { string v = 1; }\n${body}`;

/** Commits `files` on main, applies `change` on a branch, returns `affected` as JSON. */
const afterChange = (files: Record<string, string>, change: (repo: TestRepo) => void) =>
  affectedAfterChange<Report>(files, change);

const GENERATED = "// generated\n";

/** Two modules, api importing common; `gen` holds the es outputs of every file but internal/. */
const TWO_MODULES = {
  "buf.yaml":
    "version: v2\nmodules:\n  - path: proto/api\n  - path: proto/common\n    excludes: [proto/common/internal]\n",
  "proto/api/acme/api/order.proto": proto("acme.api", ["acme/common/money.proto"]),
  "proto/api/acme/api/leaf.proto": proto("acme.api"),
  "proto/common/acme/common/money.proto": proto("acme.common"),
  "proto/common/acme/common/status.proto": proto("acme.common"),
  "proto/common/internal/secret.proto": proto("internal"),
  "shipgraph.yaml":
    "protos: { api: { path: proto/api }, common: { path: proto/common } }\ngenerators:\n  sdk: { template: buf.gen.yaml }\n",
};
const ES_TEMPLATE = (extra = "", inputs = "") =>
  `version: v2\n${inputs}plugins:\n  - local: protoc-gen-es\n    out: gen\n    opt: target=ts\n${extra}`;
const ALL_OUTPUTS = {
  "gen/acme/api/order_pb.ts": GENERATED,
  "gen/acme/api/leaf_pb.ts": GENERATED,
  "gen/acme/common/money_pb.ts": GENERATED,
  "gen/acme/common/status_pb.ts": GENERATED,
};

describe("a cause other than a .proto file lists the files the generator will add", () => {
  it("a new .proto in the same diff as a template change: its outputs and every tracked one", async () => {
    const report = await afterChange({ ...TWO_MODULES, "buf.gen.yaml": ES_TEMPLATE(), ...ALL_OUTPUTS }, (r) =>
      r
        .write({ "proto/api/acme/api/new.proto": proto("acme.api") })
        .write({ "buf.gen.yaml": ES_TEMPLATE().replace("target=ts", "target=ts,import_extension=js") }),
    );
    expect(report.generatedFiles.sdk).toEqual([
      "gen/acme/api/leaf_pb.ts",
      "gen/acme/api/new_pb.ts",
      "gen/acme/api/order_pb.ts",
      "gen/acme/common/money_pb.ts",
      "gen/acme/common/status_pb.ts",
    ]);
  });

  it("buf.yaml no longer excluding a directory: the outputs of the files it now compiles", async () => {
    const report = await afterChange({ ...TWO_MODULES, "buf.gen.yaml": ES_TEMPLATE(), ...ALL_OUTPUTS }, (r) =>
      r.write({ "buf.yaml": TWO_MODULES["buf.yaml"].replace("[proto/common/internal]", "[]") }),
    );
    expect(report.generatedFiles.sdk).toContain("gen/internal/secret_pb.ts");
  });

  it("a new template: every output it will write, none tracked yet", async () => {
    const report = await afterChange({ ...TWO_MODULES, "buf.gen.yaml": ES_TEMPLATE(), ...ALL_OUTPUTS }, (r) =>
      r.write({
        "buf.gen.new.yaml": ES_TEMPLATE().replace("out: gen", "out: gen/new"),
        "shipgraph.yaml": `${TWO_MODULES["shipgraph.yaml"]}  fresh: { template: buf.gen.new.yaml }\n`,
      }),
    );
    expect(report.generatedFiles.fresh).toEqual([
      "gen/new/acme/api/leaf_pb.ts",
      "gen/new/acme/api/order_pb.ts",
      "gen/new/acme/common/money_pb.ts",
      "gen/new/acme/common/status_pb.ts",
    ]);
  });

  it("a template's out moved: the outputs at the new place (the old ones stay tracked, unlisted)", async () => {
    const report = await afterChange({ ...TWO_MODULES, "buf.gen.yaml": ES_TEMPLATE(), ...ALL_OUTPUTS }, (r) =>
      r.write({ "buf.gen.yaml": ES_TEMPLATE().replace("out: gen", "out: sdk") }),
    );
    expect(report.generatedFiles.sdk).toEqual([
      "sdk/acme/api/leaf_pb.ts",
      "sdk/acme/api/order_pb.ts",
      "sdk/acme/common/money_pb.ts",
      "sdk/acme/common/status_pb.ts",
    ]);
  });
});

describe("include_imports: the files a change brings into or drops from the imports", () => {
  const INCLUDE = "    include_imports: true\n";
  const API_ONLY = "inputs:\n  - directory: proto/api\n";
  const outputs = {
    "gen/acme/api/order_pb.ts": GENERATED,
    "gen/acme/api/leaf_pb.ts": GENERATED,
    "gen/acme/common/money_pb.ts": GENERATED,
  };

  it("a new import (and a well-known type's with include_wkt) adds their outputs", async () => {
    const files = { ...TWO_MODULES, ...outputs };
    const addImports = (r: TestRepo) =>
      r.write({
        "proto/api/acme/api/order.proto": proto("acme.api", [
          "acme/common/money.proto",
          "acme/common/status.proto",
          "google/protobuf/timestamp.proto",
        ]),
      });
    const wkt = await afterChange(
      { ...files, "buf.gen.yaml": ES_TEMPLATE(`${INCLUDE}    include_wkt: true\n`, API_ONLY) },
      addImports,
    );
    expect(wkt.generatedFiles.sdk).toEqual([
      "gen/acme/api/order_pb.ts",
      "gen/acme/common/status_pb.ts",
      "gen/google/protobuf/timestamp_pb.ts",
    ]);
    const noWkt = await afterChange({ ...files, "buf.gen.yaml": ES_TEMPLATE(INCLUDE, API_ONLY) }, addImports);
    expect(noWkt.generatedFiles.sdk).toEqual(["gen/acme/api/order_pb.ts", "gen/acme/common/status_pb.ts"]);
  });

  it("a dropped import lists the imported file's outputs (buf deletes them with clean: true)", async () => {
    const report = await afterChange(
      { ...TWO_MODULES, ...outputs, "buf.gen.yaml": `clean: true\n${ES_TEMPLATE(INCLUDE, API_ONLY)}` },
      (r) => r.write({ "proto/api/acme/api/order.proto": proto("acme.api") }),
    );
    expect(report.generatedFiles.sdk).toEqual(["gen/acme/api/order_pb.ts", "gen/acme/common/money_pb.ts"]);
  });

  it("an import still reached through another compiled file is not listed", async () => {
    const report = await afterChange(
      {
        ...TWO_MODULES,
        ...outputs,
        "proto/api/acme/api/leaf.proto": proto("acme.api", ["acme/common/money.proto"]),
        "buf.gen.yaml": ES_TEMPLATE(INCLUDE, API_ONLY),
      },
      (r) => r.write({ "proto/api/acme/api/order.proto": proto("acme.api") }),
    );
    expect(report.generatedFiles.sdk).toEqual(["gen/acme/api/order_pb.ts"]);
  });

  it("a file imported through one that is not compiled: its outputs too", async () => {
    // order (compiled, changed) imports money, which imports status (changed): buf rewrites all three
    const report = await afterChange(
      {
        ...TWO_MODULES,
        ...outputs,
        "proto/common/acme/common/money.proto": proto("acme.common", ["acme/common/status.proto"]),
        "gen/acme/common/status_pb.ts": GENERATED,
        "buf.gen.yaml": ES_TEMPLATE(INCLUDE, API_ONLY),
      },
      (r) =>
        r
          .append("proto/common/acme/common/status.proto", "message S { int32 s = 1; }\n")
          .append("proto/api/acme/api/order.proto", "message O { int32 o = 1; }\n"),
    );
    expect(report.generatedFiles.sdk).toEqual([
      "gen/acme/api/order_pb.ts",
      "gen/acme/common/money_pb.ts",
      "gen/acme/common/status_pb.ts",
    ]);
  });
});

describe("proto_file with include_package_files: the files of the anchor's package", () => {
  const PACKAGE_REPO = {
    "buf.yaml": "version: v2\n",
    "proto/acme/a/a.proto": proto("acme.a"),
    "proto/acme/a/a2.proto": proto("acme.a"),
    "proto/acme/b/b.proto": proto("acme.b"),
    "buf.gen.yaml": ES_TEMPLATE(
      "",
      "inputs:\n  - proto_file: proto/acme/a/a.proto\n    include_package_files: true\n",
    ),
    "gen/proto/acme/a/a_pb.ts": GENERATED,
    "gen/proto/acme/a/a2_pb.ts": GENERATED,
    "shipgraph.yaml": "protos: { all: { path: . } }\ngenerators:\n  sdk: { template: buf.gen.yaml }\n",
  };

  it("the anchor moving to another package: the files of both packages", async () => {
    const report = await afterChange(PACKAGE_REPO, (r) =>
      r.write({ "proto/acme/a/a.proto": proto("acme.b") }),
    );
    expect(report.affected.generator).toEqual(["sdk"]);
    expect(report.generatedFiles.sdk).toEqual([
      "gen/proto/acme/a/a2_pb.ts",
      "gen/proto/acme/a/a_pb.ts",
      "gen/proto/acme/b/b_pb.ts",
    ]);
  });

  it("a file of another package does not affect the generator", async () => {
    const report = await afterChange(PACKAGE_REPO, (r) =>
      r.append("proto/acme/b/b.proto", "message N { int32 n = 1; }\n"),
    );
    expect(report.affected.generator).toEqual([]);
  });

  it("a file joining or leaving the package: its outputs", async () => {
    const joined = await afterChange(PACKAGE_REPO, (r) =>
      r.write({ "proto/acme/b/b.proto": proto("acme.a") }),
    );
    expect(joined.generatedFiles.sdk).toEqual(["gen/proto/acme/b/b_pb.ts"]);
    const left = await afterChange(PACKAGE_REPO, (r) =>
      r.write({ "proto/acme/a/a2.proto": proto("acme.c") }),
    );
    expect(left.generatedFiles.sdk).toEqual(["gen/proto/acme/a/a2_pb.ts"]);
  });

  it("a template change lists the package's files only", async () => {
    const report = await afterChange(PACKAGE_REPO, (r) =>
      r.write({
        "buf.gen.yaml": PACKAGE_REPO["buf.gen.yaml"].replace("target=ts", "target=ts,import_extension=js"),
      }),
    );
    expect(report.generatedFiles.sdk).toEqual(["gen/proto/acme/a/a2_pb.ts", "gen/proto/acme/a/a_pb.ts"]);
  });
});

describe("a changed .proto lists its outputs as the base named them too", () => {
  const GO_TEMPLATE =
    "version: v2\nplugins:\n  - local: protoc-gen-go\n    out: gen/go\n    opt: paths=import\n  - local: protoc-gen-connect-go\n    out: gen/go\n    opt: paths=import\n";
  const goProto = (goPackage: string, service = true) =>
    `syntax = "proto3";\npackage acme.api;\noption go_package = "${goPackage}";\nmessage M { string v = 1; }\n${service ? "service S { rpc Get(M) returns (M); }\n" : ""}`;
  const GO_REPO = {
    "buf.yaml": "version: v2\nmodules:\n  - path: proto\n",
    "shipgraph.yaml": "protos: { api: { path: proto } }\ngenerators:\n  go: { template: buf.gen.yaml }\n",
    "buf.gen.yaml": GO_TEMPLATE,
    "proto/acme/api/order.proto": goProto("example.com/acme/api/v1;apiv1"),
    "gen/go/example.com/acme/api/v1/order.pb.go": GENERATED,
    "gen/go/example.com/acme/api/v1/apiv1connect/order.connect.go": GENERATED,
  };

  it("a go_package moved: the files at the old import path, which regenerating deletes", async () => {
    const report = await afterChange(GO_REPO, (r) =>
      r.write({ "proto/acme/api/order.proto": goProto("example.com/acme/api/v2;apiv2") }),
    );
    expect(report.generatedFiles.go).toEqual([
      "gen/go/example.com/acme/api/v1/apiv1connect/order.connect.go",
      "gen/go/example.com/acme/api/v1/order.pb.go",
      "gen/go/example.com/acme/api/v2/apiv2connect/order.connect.go",
      "gen/go/example.com/acme/api/v2/order.pb.go",
    ]);
  });

  it("its only service removed: the service's file, no longer written", async () => {
    const report = await afterChange(GO_REPO, (r) =>
      r.write({ "proto/acme/api/order.proto": goProto("example.com/acme/api/v1;apiv1", false) }),
    );
    expect(report.generatedFiles.go).toEqual([
      "gen/go/example.com/acme/api/v1/apiv1connect/order.connect.go",
      "gen/go/example.com/acme/api/v1/order.pb.go",
    ]);
  });
});
