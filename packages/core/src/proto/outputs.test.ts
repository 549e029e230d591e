import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { anyGlobMatcher } from "../graph/owners.js";
import {
  expandPattern,
  generatedPaths,
  identifyPlugin,
  knownPluginNaming,
  managedGoPackage,
  type PluginSpec,
  type ProtoSource,
  pluginFamilyGlobs,
  pluginOutputGlobs,
} from "./outputs.js";

const user: ProtoSource = {
  path: "acme/user/v1/user.proto",
  package: "acme.user.v1",
  goPackage: "github.com/acme/gen/go/acme/user/v1;userv1",
  services: 1,
  definitions: 2,
};
const types: ProtoSource = { ...user, path: "acme/user/v1/types.proto", services: 0 };
const empty: ProtoSource = { ...user, path: "acme/user/v1/empty.proto", services: 0, definitions: 0 };
const rootProto: ProtoSource = { path: "root.proto", services: 0, definitions: 1 };

function spec(fields: Partial<PluginSpec>): PluginSpec {
  return { out: "gen", opt: [], ...fields };
}

describe("identifyPlugin", () => {
  it.each<[string, Partial<PluginSpec>, string | undefined]>([
    ["v2 local binary name", { local: "protoc-gen-es" }, "es"],
    ["local path to an npm bin", { local: "node_modules/.bin/protoc-gen-connect-es" }, "connect-es"],
    ["Windows path with .exe", { local: "C:\\tools\\protoc-gen-go.exe" }, "go"],
    ["local go-grpc", { local: "protoc-gen-go-grpc" }, "go-grpc"],
    ["grpc's python plugin binary", { local: "/usr/local/bin/grpc_python_plugin" }, "grpc-python"],
    ["argv: node + bin path", { local: ["node", "node_modules/.bin/protoc-gen-es"] }, "es"],
    ["argv: npx", { local: ["npx", "protoc-gen-es"] }, "es"],
    [
      "argv: npx scoped package with version",
      { local: ["npx", "-y", "@bufbuild/protoc-gen-es@2.2.0"] },
      "es",
    ],
    [
      "argv: go run is not protoc-gen-go",
      { local: ["go", "run", "connectrpc.com/connect/cmd/protoc-gen-connect-go@v1.18.1"] },
      "connect-go",
    ],
    ["argv: unknown script", { local: ["node", "plugins/x/index.js"] }, undefined],
    [
      "argv naming two plugins is ambiguous",
      { local: ["wrap", "protoc-gen-go", "protoc-gen-es"] },
      undefined,
    ],
    ["v1 bare name go", { local: "go" }, "go"],
    ["v1 bare name es", { local: "es" }, "es"],
    ["v1 bare name connect-go", { local: "connect-go" }, "connect-go"],
    ["v1 bare name python (builtin fallback)", { local: "python" }, "python"],
    ["a path is not a bare name", { local: "tools/go" }, undefined],
    ["unknown local", { local: "protoc-gen-ts_proto" }, undefined],
    ["remote with version", { remote: "buf.build/bufbuild/es:v2.2.0" }, "es"],
    ["remote without version", { remote: "buf.build/connectrpc/go" }, "connect-go"],
    ["remote grpc/go", { remote: "buf.build/grpc/go:v1.5.1" }, "go-grpc"],
    ["remote protocolbuffers/go", { remote: "buf.build/protocolbuffers/go" }, "go"],
    ["remote connectrpc/es", { remote: "buf.build/connectrpc/es:v1.6.1" }, "connect-es"],
    ["remote old bufbuild/connect-go", { remote: "buf.build/bufbuild/connect-go:v1.10.0" }, "connect-go"],
    ["remote python", { remote: "buf.build/protocolbuffers/python:v29.3" }, "python"],
    ["remote pyi", { remote: "buf.build/protocolbuffers/pyi" }, "pyi"],
    ["remote grpc/python", { remote: "buf.build/grpc/python:v1.70.1" }, "grpc-python"],
    ["remote on a private BSR", { remote: "buf.acme.dev/bufbuild/es:v2.2.0" }, "es"],
    ["unknown remote", { remote: "buf.build/community/stephenh-ts-proto" }, undefined],
    ["builtin python", { protocBuiltin: "python" }, "python"],
    ["builtin pyi", { protocBuiltin: "pyi" }, "pyi"],
    ["builtin java is not known", { protocBuiltin: "java" }, undefined],
  ])("%s", (_name, fields, expected) => {
    expect(identifyPlugin(spec(fields))).toBe(expected);
  });

  it("does not mistake Object.prototype keys for plugins", () => {
    expect(identifyPlugin(spec({ local: "constructor" }))).toBeUndefined();
    expect(identifyPlugin(spec({ protocBuiltin: "toString" }))).toBeUndefined();
  });
});

describe("generatedPaths: protoc-gen-es", () => {
  const es = (opt: string[], out = "gen/ts", extra: Partial<PluginSpec> = {}) =>
    spec({ local: "protoc-gen-es", out, opt, ...extra });

  it.each<[string[], string[]]>([
    [[], ["gen/ts/acme/user/v1/user_pb.d.ts", "gen/ts/acme/user/v1/user_pb.js"]],
    [["target=ts"], ["gen/ts/acme/user/v1/user_pb.ts"]],
    [["target=js"], ["gen/ts/acme/user/v1/user_pb.js"]],
    [["target=dts"], ["gen/ts/acme/user/v1/user_pb.d.ts"]],
    [["target=ts+dts"], ["gen/ts/acme/user/v1/user_pb.d.ts", "gen/ts/acme/user/v1/user_pb.ts"]],
    [
      ["target=ts+js+dts"],
      [
        "gen/ts/acme/user/v1/user_pb.d.ts",
        "gen/ts/acme/user/v1/user_pb.js",
        "gen/ts/acme/user/v1/user_pb.ts",
      ],
    ],
    [["target=js", "target=ts"], ["gen/ts/acme/user/v1/user_pb.ts"]],
    [["target=ts", "import_extension=js", "json_types=true"], ["gen/ts/acme/user/v1/user_pb.ts"]],
  ])("opt %j", (opt, expected) => {
    expect(generatedPaths(es(opt), user)).toEqual(expected);
  });

  it("mirrors the proto path at the repository root when out is empty", () => {
    expect(generatedPaths(es(["target=ts"], ""), user)).toEqual(["acme/user/v1/user_pb.ts"]);
    expect(generatedPaths(es(["target=ts"], ""), rootProto)).toEqual(["root_pb.ts"]);
    expect(generatedPaths(es(["target=ts"], "gen/"), rootProto)).toEqual(["gen/root_pb.ts"]);
  });

  it("v2 writes a file even for a proto with no definitions (its GenFile descriptor)", () => {
    expect(generatedPaths(es(["target=ts"]), empty)).toEqual(["gen/ts/acme/user/v1/empty_pb.ts"]);
    expect(
      generatedPaths(es(["target=ts"], "gen/ts", { remote: "buf.build/bufbuild/es:v2.2.0" }), empty),
    ).toEqual(["gen/ts/acme/user/v1/empty_pb.ts"]);
  });

  it("v1 omits a proto with no definitions unless keep_empty_files", () => {
    const v1 = spec({ remote: "buf.build/bufbuild/es:v1.10.0", out: "gen", opt: ["target=ts"] });
    expect(generatedPaths(v1, empty)).toEqual([]);
    expect(generatedPaths({ ...v1, opt: ["target=ts", "keep_empty_files=true"] }, empty)).toEqual([
      "gen/acme/user/v1/empty_pb.ts",
    ]);
    expect(generatedPaths(v1, types)).toEqual(["gen/acme/user/v1/types_pb.ts"]);
    const localV1 = es(["target=ts"], "gen", { version: "1.10.0" });
    expect(generatedPaths(localV1, empty)).toEqual([]);
  });

  it("keeps dots and hyphens in file names", () => {
    const odd: ProtoSource = { path: "a/b-c.v2.proto", services: 0, definitions: 1 };
    expect(generatedPaths(es(["target=ts"], "g"), odd)).toEqual(["g/a/b-c.v2_pb.ts"]);
  });

  it("is unknown for a target or keep_empty_files value the plugin rejects", () => {
    expect(generatedPaths(es(["target=tsx"]), user)).toBeUndefined();
    expect(generatedPaths(es(["target="]), user)).toBeUndefined();
    expect(generatedPaths(es(["keep_empty_files=yes"]), user)).toBeUndefined();
  });
});

describe("generatedPaths: protoc-gen-connect-es", () => {
  const connectEs = (opt: string[]) => spec({ local: "protoc-gen-connect-es", out: "web/gen", opt });

  it("writes _connect files only for protos with services", () => {
    expect(generatedPaths(connectEs(["target=ts"]), user)).toEqual(["web/gen/acme/user/v1/user_connect.ts"]);
    expect(generatedPaths(connectEs([]), user)).toEqual([
      "web/gen/acme/user/v1/user_connect.d.ts",
      "web/gen/acme/user/v1/user_connect.js",
    ]);
    expect(generatedPaths(connectEs(["target=ts"]), types)).toEqual([]);
  });

  it("keep_empty_files=true writes an empty file for every proto", () => {
    expect(generatedPaths(connectEs(["target=ts", "keep_empty_files=true"]), types)).toEqual([
      "web/gen/acme/user/v1/types_connect.ts",
    ]);
  });
});

describe("generatedPaths: protoc-gen-go", () => {
  const go = (opt: string[], out = "gen/go") => spec({ local: "protoc-gen-go", out, opt });

  it("paths=source_relative mirrors the proto path", () => {
    expect(generatedPaths(go(["paths=source_relative"]), user)).toEqual(["gen/go/acme/user/v1/user.pb.go"]);
  });

  it("paths=import (the default) writes under the full import path", () => {
    const expected = ["gen/go/github.com/acme/gen/go/acme/user/v1/user.pb.go"];
    expect(generatedPaths(go([]), user)).toEqual(expected);
    expect(generatedPaths(go(["paths=import"]), user)).toEqual(expected);
  });

  it("module= strips the module prefix from the import path", () => {
    expect(generatedPaths(go(["module=github.com/acme/gen/go"]), user)).toEqual([
      "gen/go/acme/user/v1/user.pb.go",
    ]);
    expect(generatedPaths(go(["module=github.com/acme/gen/go"], ""), user)).toEqual([
      "acme/user/v1/user.pb.go",
    ]);
  });

  it("is unknown when module= does not prefix the import path (protoc-gen-go fails)", () => {
    expect(generatedPaths(go(["module=github.com/other"]), user)).toBeUndefined();
  });

  it("is unknown without a go_package, with a bad one, or with conflicting options", () => {
    const { goPackage: _drop, ...noGoPackage } = user;
    expect(generatedPaths(go(["paths=source_relative"]), noGoPackage)).toBeUndefined();
    expect(generatedPaths(go([]), { ...user, goPackage: "userv1" })).toBeUndefined();
    expect(generatedPaths(go(["paths=relative"]), user)).toBeUndefined();
    expect(generatedPaths(go(["module=acme", "paths=source_relative"]), user)).toBeUndefined();
  });

  it("an M option for this file overrides go_package", () => {
    const { goPackage: _drop, ...noGoPackage } = user;
    const m = `M${user.path}=example.com/m/userpb`;
    expect(generatedPaths(go([m]), noGoPackage)).toEqual(["gen/go/example.com/m/userpb/user.pb.go"]);
    expect(generatedPaths(go([m]), user)).toEqual(["gen/go/example.com/m/userpb/user.pb.go"]);
    expect(generatedPaths(go(["Mother.proto=example.com/x"]), user)).toEqual([
      "gen/go/github.com/acme/gen/go/acme/user/v1/user.pb.go",
    ]);
  });

  it("annotate_code adds a .meta file next to each .go file", () => {
    expect(generatedPaths(go(["paths=source_relative", "annotate_code"]), user)).toEqual([
      "gen/go/acme/user/v1/user.pb.go",
      "gen/go/acme/user/v1/user.pb.go.meta",
    ]);
  });

  it("also writes a .pb.go for protos without definitions, and works from the remote plugin", () => {
    const remote = spec({
      remote: "buf.build/protocolbuffers/go:v1.36.5",
      out: "gen",
      opt: ["paths=source_relative"],
    });
    expect(generatedPaths(remote, empty)).toEqual(["gen/acme/user/v1/empty.pb.go"]);
  });
});

describe("generatedPaths: protoc-gen-connect-go", () => {
  const connectGo = (opt: string[], out = "gen/go") =>
    spec({ remote: "buf.build/connectrpc/go:v1.18.1", out, opt });

  it("writes <gopkg>connect/<stem>.connect.go beside the .pb.go package", () => {
    expect(generatedPaths(connectGo(["paths=source_relative"]), user)).toEqual([
      "gen/go/acme/user/v1/userv1connect/user.connect.go",
    ]);
    expect(generatedPaths(connectGo([]), user)).toEqual([
      "gen/go/github.com/acme/gen/go/acme/user/v1/userv1connect/user.connect.go",
    ]);
    expect(generatedPaths(connectGo(["module=github.com/acme/gen/go"]), user)).toEqual([
      "gen/go/acme/user/v1/userv1connect/user.connect.go",
    ]);
  });

  it("derives the package name from the import path's last element when go_package has no ';'", () => {
    const proto = { ...user, goPackage: "github.com/acme/user-api" };
    expect(generatedPaths(connectGo(["paths=source_relative"]), proto)).toEqual([
      "gen/go/acme/user/v1/user_apiconnect/user.connect.go",
    ]);
    const numeric = { ...user, goPackage: "example.com/1x" };
    expect(generatedPaths(connectGo(["paths=source_relative"]), numeric)).toEqual([
      "gen/go/acme/user/v1/_1xconnect/user.connect.go",
    ]);
  });

  it("package_suffix changes or removes the sub-package", () => {
    expect(generatedPaths(connectGo(["paths=source_relative", "package_suffix=rpc"]), user)).toEqual([
      "gen/go/acme/user/v1/userv1rpc/user.connect.go",
    ]);
    expect(generatedPaths(connectGo(["paths=source_relative", "package_suffix="]), user)).toEqual([
      "gen/go/acme/user/v1/user.connect.go",
    ]);
    expect(generatedPaths(connectGo(["package_suffix=1bad"]), user)).toBeUndefined();
  });

  it("writes nothing for a proto without services", () => {
    expect(generatedPaths(connectGo(["paths=source_relative"]), types)).toEqual([]);
  });

  it("a root-level proto goes into <pkg>connect/ at the out root", () => {
    const root = { ...rootProto, services: 1, goPackage: "example.com/rootpb" };
    expect(generatedPaths(connectGo(["paths=source_relative"], ""), root)).toEqual([
      "rootpbconnect/root.connect.go",
    ]);
  });
});

describe("generatedPaths: protoc-gen-go-grpc", () => {
  it("writes <stem>_grpc.pb.go beside the .pb.go, only for protos with services", () => {
    const grpc = spec({ local: "protoc-gen-go-grpc", out: "gen/go", opt: ["paths=source_relative"] });
    expect(generatedPaths(grpc, user)).toEqual(["gen/go/acme/user/v1/user_grpc.pb.go"]);
    expect(generatedPaths(grpc, types)).toEqual([]);
    const imported = spec({
      remote: "buf.build/grpc/go",
      out: "gen",
      opt: ["module=github.com/acme/gen/go"],
    });
    expect(generatedPaths(imported, user)).toEqual(["gen/acme/user/v1/user_grpc.pb.go"]);
  });
});

describe("generatedPaths: python", () => {
  const hyphen: ProtoSource = { path: "acme-corp/user/v1/user-events.proto", services: 1, definitions: 1 };
  const dotted: ProtoSource = { path: "acme/a.b.proto", services: 0, definitions: 1 };

  it("builtin python writes _pb2.py with hyphens → underscores and dots → directories", () => {
    const python = spec({ protocBuiltin: "python", out: "py" });
    expect(generatedPaths(python, user)).toEqual(["py/acme/user/v1/user_pb2.py"]);
    expect(generatedPaths(python, hyphen)).toEqual(["py/acme_corp/user/v1/user_events_pb2.py"]);
    expect(generatedPaths(python, dotted)).toEqual(["py/acme/a/b_pb2.py"]);
    expect(generatedPaths({ ...python, out: "" }, rootProto)).toEqual(["root_pb2.py"]);
  });

  it("pyi_out also writes the .pyi", () => {
    const python = spec({ remote: "buf.build/protocolbuffers/python", out: "py", opt: ["pyi_out"] });
    expect(generatedPaths(python, user)).toEqual([
      "py/acme/user/v1/user_pb2.py",
      "py/acme/user/v1/user_pb2.pyi",
    ]);
  });

  it("pyi writes _pb2.pyi; an explicit .pyi file name is unknown", () => {
    expect(generatedPaths(spec({ protocBuiltin: "pyi", out: "py" }), hyphen)).toEqual([
      "py/acme_corp/user/v1/user_events_pb2.pyi",
    ]);
    expect(generatedPaths(spec({ protocBuiltin: "pyi", out: "py", opt: ["x.pyi"] }), user)).toBeUndefined();
  });

  it("grpc python writes _pb2_grpc.py for every proto, services or not; dots stay", () => {
    const grpc = spec({ remote: "buf.build/grpc/python:v1.70.1", out: "py" });
    expect(generatedPaths(grpc, user)).toEqual(["py/acme/user/v1/user_pb2_grpc.py"]);
    expect(generatedPaths(grpc, types)).toEqual(["py/acme/user/v1/types_pb2_grpc.py"]);
    expect(generatedPaths(grpc, hyphen)).toEqual(["py/acme_corp/user/v1/user_events_pb2_grpc.py"]);
    expect(generatedPaths(grpc, dotted)).toEqual(["py/acme/a.b_pb2_grpc.py"]);
  });

  it("grpc_1_0 also inserts into _pb2.py; an unknown version is unknown", () => {
    const grpc = spec({ local: "grpc_python_plugin", out: "py" });
    expect(generatedPaths({ ...grpc, opt: ["grpc_1_0"] }, user)).toEqual([
      "py/acme/user/v1/user_pb2.py",
      "py/acme/user/v1/user_pb2_grpc.py",
    ]);
    expect(generatedPaths({ ...grpc, opt: ["grpc_2_0", "acme."] }, user)).toEqual([
      "py/acme/user/v1/user_pb2_grpc.py",
    ]);
    expect(generatedPaths({ ...grpc, opt: ["grpc_3_0"] }, user)).toBeUndefined();
    expect(generatedPaths({ ...grpc, opt: ["grpc_2_0", "acme.", "extra"] }, user)).toBeUndefined();
  });
});

describe("generatedPaths: unknown plugins", () => {
  const custom = spec({ local: ["node", "plugins/routes/index.js"], out: "gen/routes" });

  it("is undefined without a pattern", () => {
    expect(generatedPaths(custom, user)).toBeUndefined();
  });

  it("expands one or more user patterns", () => {
    expect(generatedPaths(custom, user, "{out}/{path}_routes.ts")).toEqual([
      "gen/routes/acme/user/v1/user_routes.ts",
    ]);
    expect(generatedPaths(custom, user, ["{out}/{path}_r.js", "{out}/{path}_r.d.ts"])).toEqual([
      "gen/routes/acme/user/v1/user_r.d.ts",
      "gen/routes/acme/user/v1/user_r.js",
    ]);
  });

  it("ignores the pattern for a known plugin", () => {
    const es = spec({ local: "protoc-gen-es", out: "gen", opt: ["target=ts"] });
    expect(generatedPaths(es, user, "{out}/{name}.txt")).toEqual(["gen/acme/user/v1/user_pb.ts"]);
  });
});

describe("pluginOutputGlobs: every file a known plugin writes, under its out", () => {
  it.each<[string, Partial<PluginSpec>, string[] | undefined]>([
    [
      "es default (js+dts)",
      { local: "protoc-gen-es", out: "proto" },
      ["proto/**/*_pb.d.ts", "proto/**/*_pb.js"],
    ],
    ["es target=ts at the root", { local: "protoc-gen-es", out: "", opt: ["target=ts"] }, ["**/*_pb.ts"]],
    ["es bad target: unknown", { local: "protoc-gen-es", opt: ["target=rust"] }, undefined],
    ["connect-es", { remote: "buf.build/connectrpc/es", opt: ["target=ts"] }, ["gen/**/*_connect.ts"]],
    ["go", { local: "protoc-gen-go", opt: ["paths=source_relative"] }, ["gen/**/*.pb.go"]],
    [
      "go annotate_code",
      { local: "protoc-gen-go", opt: ["annotate_code"] },
      ["gen/**/*.pb.go", "gen/**/*.pb.go.meta"],
    ],
    [
      "go module= with source_relative: unknown",
      { local: "protoc-gen-go", opt: ["module=x", "paths=source_relative"] },
      undefined,
    ],
    ["go-grpc", { local: "protoc-gen-go-grpc" }, ["gen/**/*_grpc.pb.go"]],
    ["connect-go", { local: "protoc-gen-connect-go" }, ["gen/**/*.connect.go"]],
    [
      "connect-go bad suffix: unknown",
      { local: "protoc-gen-connect-go", opt: ["package_suffix=a-b"] },
      undefined,
    ],
    [
      "python with pyi_out",
      { protocBuiltin: "python", opt: ["pyi_out"] },
      ["gen/**/*_pb2.py", "gen/**/*_pb2.pyi"],
    ],
    ["pyi", { protocBuiltin: "pyi" }, ["gen/**/*_pb2.pyi"]],
    [
      "grpc-python grpc_1_0",
      { local: "grpc_python_plugin", opt: ["grpc_1_0"] },
      ["gen/**/*_pb2.py", "gen/**/*_pb2_grpc.py"],
    ],
    ["an unknown plugin", { local: "protoc-gen-x" }, undefined],
    ["a protoc builtin it does not know", { protocBuiltin: "java" }, undefined],
  ])("%s", (_, fields, expected) => {
    expect(pluginOutputGlobs(spec(fields))).toEqual(expected);
  });

  it("match every file generatedPaths names, and never a .proto or buf file (so do pluginFamilyGlobs, whatever the options)", () => {
    const specs: Partial<PluginSpec>[] = [
      { local: "protoc-gen-es" },
      { local: "protoc-gen-es", opt: ["target=ts+js+dts", "keep_empty_files=true"] },
      { local: "protoc-gen-connect-es", opt: ["keep_empty_files=true"] },
      { local: "protoc-gen-go" },
      { local: "protoc-gen-go", opt: ["paths=source_relative", "annotate_code"] },
      { local: "protoc-gen-go", opt: ["module=github.com/acme/gen"] },
      { local: "protoc-gen-go-grpc" },
      { local: "protoc-gen-connect-go", opt: ["package_suffix="] },
      { local: "protoc-gen-connect-go" },
      { protocBuiltin: "python", opt: ["pyi_out"] },
      { protocBuiltin: "pyi" },
      { local: "grpc_python_plugin", opt: ["grpc_1_0"] },
    ];
    const odd: ProtoSource = { ...user, path: "a/b-c.v1/x-y.z.proto" };
    for (const fields of specs) {
      for (const out of ["gen", "proto", ""]) {
        const plugin = spec({ ...fields, out });
        const output = anyGlobMatcher(pluginOutputGlobs(plugin)!);
        const family = anyGlobMatcher(pluginFamilyGlobs(plugin)!);
        const matches = (path: string) => [output(path), family(path)];
        for (const proto of [user, types, empty, rootProto, odd]) {
          for (const path of generatedPaths(plugin, proto) ?? [])
            expect([fields, path, matches(path)]).toEqual([fields, path, [true, true]]);
        }
        for (const input of [
          "proto/acme/v1/a.proto",
          "buf.yaml",
          "proto/buf.lock",
          "buf.gen.yaml",
          "proto/README.md",
        ]) {
          expect([fields, input, matches(input)]).toEqual([fields, input, [false, false]]);
        }
      }
    }
  });
});

describe("pluginFamilyGlobs: every file a known plugin writes under any naming options", () => {
  it("takes in the files of the options the template does not set; undefined for an unknown plugin", () => {
    expect(pluginFamilyGlobs(spec({ local: "protoc-gen-es", opt: ["target=ts"] }))).toEqual([
      "gen/**/*_pb.d.ts",
      "gen/**/*_pb.js",
      "gen/**/*_pb.ts",
    ]);
    expect(pluginFamilyGlobs(spec({ local: "protoc-gen-es", opt: ["target=rust"] }))).toEqual([
      "gen/**/*_pb.d.ts",
      "gen/**/*_pb.js",
      "gen/**/*_pb.ts",
    ]);
    expect(pluginFamilyGlobs(spec({ local: "protoc-gen-go", out: "" }))).toEqual([
      "**/*.pb.go",
      "**/*.pb.go.meta",
    ]);
    expect(pluginFamilyGlobs(spec({ local: "protoc-gen-x" }))).toBeUndefined();
  });
});

describe("knownPluginNaming: the known plugin whose naming names a file, whatever its out", () => {
  it("takes the longest suffix, and needs a stem before it", () => {
    expect(
      [
        "gen/acme/v1/a_connect.ts",
        "a_pb.d.ts",
        "x/a_grpc.pb.go",
        "x/a.pb.go",
        "x/a.connect.go.meta",
        "a_pb2.py",
        "a_pb2_grpc.py",
        "a_pb2.pyi",
        "x/_pb.ts",
        "x/index.ts",
        "db_connect.tsx",
      ].map(knownPluginNaming),
    ).toEqual([
      "connect-es",
      "es",
      "go-grpc",
      "go",
      "connect-go",
      "python",
      "grpc-python",
      "python",
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe("expandPattern", () => {
  it("fills every placeholder", () => {
    expect(expandPattern("{out}/{package}/{dir}/{name}|{path}", "gen", user)).toBe(
      "gen/acme/user/v1/acme/user/v1/user|acme/user/v1/user",
    );
  });

  it("never leaves a leading or double slash for a root proto and root out", () => {
    expect(expandPattern("{out}/{dir}/{name}_x.ts", "", rootProto)).toBe("root_x.ts");
    expect(expandPattern("{out}/{package}/{name}.ts", "gen", rootProto)).toBe("gen/root.ts");
    expect(expandPattern("/{out}//{path}.ts", "gen", user)).toBe("gen/acme/user/v1/user.ts");
  });

  it("throws for an unknown placeholder, an unbalanced brace, or a path outside the repo", () => {
    expect(() => expandPattern("{out}/{stem}.ts", "gen", user)).toThrow(/unknown placeholder \{stem\}/);
    expect(() => expandPattern("{out}/{constructor}.ts", "gen", user)).toThrow(/unknown placeholder/);
    expect(() => expandPattern("{out/{path}.ts", "gen", user)).toThrow(/unbalanced/);
    expect(() => expandPattern("../{path}.ts", "", user)).toThrow(/not a file in the repository/);
    expect(() => expandPattern("{out}", "", user)).toThrow(/not a file in the repository/);
  });
});

describe("managedGoPackage", () => {
  it("joins the prefix and the proto directory", () => {
    expect(managedGoPackage("acme/user/v1/user.proto", "github.com/acme/gen/go")).toBe(
      "github.com/acme/gen/go/acme/user/v1",
    );
    expect(managedGoPackage("root.proto", "github.com/acme/gen/go/")).toBe("github.com/acme/gen/go");
  });

  it("adds ;<pkg><version> when the proto package ends in a version", () => {
    expect(managedGoPackage("acme/weather/v1/w.proto", "github.com/acme/gen", "acme.weather.v1")).toBe(
      "github.com/acme/gen/acme/weather/v1;weatherv1",
    );
    expect(managedGoPackage("a/b.proto", "x.com/g", "acme.weather.v1beta1")).toBe("x.com/g/a;weatherv1beta1");
    expect(managedGoPackage("a/b.proto", "x.com/g", "acme.weather.v1p1alpha")).toBe(
      "x.com/g/a;weatherv1p1alpha",
    );
    expect(managedGoPackage("a/b.proto", "x.com/g", "acme.weather.v2test")).toBe("x.com/g/a;weatherv2test");
  });

  it("adds nothing for an unversioned or invalid version component", () => {
    expect(managedGoPackage("a/b.proto", "x.com/g", "acme.weather")).toBe("x.com/g/a");
    expect(managedGoPackage("a/b.proto", "x.com/g", "v1")).toBe("x.com/g/a");
    expect(managedGoPackage("a/b.proto", "x.com/g", "acme.v0")).toBe("x.com/g/a");
    expect(managedGoPackage("a/b.proto", "x.com/g", "acme.v1alphabeta")).toBe("x.com/g/a");
    expect(managedGoPackage("a/b.proto", "x.com/g", "acme.version")).toBe("x.com/g/a");
  });

  it("feeds generatedPaths for connect-go", () => {
    const goPackage = managedGoPackage(user.path, "github.com/acme/gen/go", user.package);
    const connectGo = spec({ local: "protoc-gen-connect-go", out: "gen/go", opt: ["paths=source_relative"] });
    expect(generatedPaths(connectGo, { ...user, goPackage })).toEqual([
      "gen/go/acme/user/v1/userv1connect/user.connect.go",
    ]);
  });
});

// One end-to-end check of the protoc-gen-es rules against the real plugin and buf (strategy: all
// keeps it to one plugin process per entry; node start-up dominates the run time).
describe("protoc-gen-es naming matches the real plugin", () => {
  const projectRoot = fileURLToPath(new URL("../../../../", import.meta.url));
  const binDir = join(projectRoot, "node_modules", ".bin");
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("buf generate writes exactly the predicted files", () => {
    const dir = mkdtempSync(join(tmpdir(), "shipgraph-outputs-"));
    dirs.push(dir);
    const protos: Array<{ source: ProtoSource; text: string }> = [
      {
        source: { path: "acme/user/v1/user.proto", package: "acme.user.v1", services: 0, definitions: 2 },
        text: 'syntax = "proto3";\npackage acme.user.v1;\nmessage User { string id = 1; }\nenum Kind { KIND_UNSPECIFIED = 0; }\n',
      },
      {
        source: {
          path: "acme/user/v1/user_service.proto",
          package: "acme.user.v1",
          services: 1,
          definitions: 0,
        },
        text: 'syntax = "proto3";\npackage acme.user.v1;\nimport "acme/user/v1/user.proto";\nservice UserService { rpc Get(User) returns (User); }\n',
      },
      {
        source: { path: "acme/user/v1/empty.proto", package: "acme.user.v1", services: 0, definitions: 0 },
        text: 'syntax = "proto3";\npackage acme.user.v1;\n',
      },
      {
        source: { path: "acme/ext/odd-name.v2.proto", package: "acme.ext", services: 0, definitions: 1 },
        text: 'syntax = "proto2";\npackage acme.ext;\nimport "google/protobuf/descriptor.proto";\nextend google.protobuf.FieldOptions { optional string tag = 50001; }\n',
      },
      {
        source: { path: "root.proto", services: 0, definitions: 1 },
        text: 'syntax = "proto3";\nmessage Root {}\n',
      },
    ];
    const plugins: PluginSpec[] = [
      { local: "protoc-gen-es", out: "", opt: [] },
      { local: "protoc-gen-es", out: "gen/ts", opt: ["target=ts", "import_extension=js"] },
      {
        local: ["node", join(projectRoot, "node_modules/@bufbuild/protoc-gen-es/bin/protoc-gen-es")],
        out: "gen/mixed",
        opt: ["target=ts+dts", "keep_empty_files=true"],
      },
    ];
    writeFileSync(join(dir, "buf.yaml"), "version: v2\nmodules:\n  - path: proto\n");
    const template = plugins.map(
      (p) =>
        `  - local: ${JSON.stringify(p.local)}\n    out: ${JSON.stringify(p.out || ".")}\n    opt: ${JSON.stringify(p.opt)}\n    strategy: all\n`,
    );
    writeFileSync(join(dir, "buf.gen.yaml"), `version: v2\nplugins:\n${template.join("")}`);
    for (const { source, text } of protos) {
      const file = join(dir, "proto", source.path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
    }

    execFileSync(join(binDir, "buf"), ["generate"], {
      cwd: dir,
      env: { ...process.env, PATH: `${binDir}:${process.env.PATH}` },
      stdio: ["ignore", "pipe", "pipe"],
    });

    const inputs = new Set(["buf.yaml", "buf.gen.yaml", ...protos.map((p) => `proto/${p.source.path}`)]);
    const actual = listFiles(dir)
      .map((file) => relative(dir, file).replaceAll("\\", "/"))
      .filter((file) => !inputs.has(file))
      .sort();
    const expected = plugins.flatMap((plugin) =>
      protos.flatMap((p) => generatedPaths(plugin, p.source) ?? ["?"]),
    );
    expect(actual).toEqual([...new Set(expected)].sort());
    expect(actual).toContain("acme/user/v1/empty_pb.js");
    expect(actual).toContain("gen/ts/acme/user/v1/user_service_pb.ts");
  });
});

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}
