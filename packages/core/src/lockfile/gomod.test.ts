import { describe, expect, it } from "vitest";
import { goPluginPin, parseGoMod, toolsGoImports } from "./gomod.js";

const GO_MOD = `module github.com/acme/tools

go 1.24

require (
\tgoogle.golang.org/protobuf v1.34.2 // indirect
\tgoogle.golang.org/grpc/cmd/protoc-gen-go-grpc v1.5.1
\tconnectrpc.com/connect v1.17.0
)

require github.com/acme/gen v0.0.0

replace github.com/acme/gen => ../gen

tool (
\tgoogle.golang.org/protobuf/cmd/protoc-gen-go
\tgithub.com/acme/gen/cmd/protoc-gen-acme
)
`;

describe("go.mod plugin pins", () => {
  const mod = parseGoMod(GO_MOD);

  it("reads require blocks and single lines, replace and tool directives, ignoring comments", () => {
    expect([...mod.require]).toEqual([
      ["google.golang.org/protobuf", "v1.34.2"],
      ["google.golang.org/grpc/cmd/protoc-gen-go-grpc", "v1.5.1"],
      ["connectrpc.com/connect", "v1.17.0"],
      ["github.com/acme/gen", "v0.0.0"],
    ]);
    expect([...mod.replace]).toEqual([["github.com/acme/gen", "../gen"]]);
    expect(mod.tools).toEqual([
      "google.golang.org/protobuf/cmd/protoc-gen-go",
      "github.com/acme/gen/cmd/protoc-gen-acme",
    ]);
  });

  it("pins a plugin through its tool directive, the well-known table, or a tools.go import, by the longest module", () => {
    expect(goPluginPin(mod, "protoc-gen-go")).toBe("google.golang.org/protobuf@v1.34.2");
    expect(goPluginPin(mod, "protoc-gen-go-grpc")).toBe(
      "google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.5.1",
    );
    expect(goPluginPin(mod, "protoc-gen-connect-go")).toBe("connectrpc.com/connect@v1.17.0");
    expect(goPluginPin(mod, "protoc-gen-acme")).toBe("github.com/acme/gen@v0.0.0 => ../gen");
    expect(goPluginPin(mod, "protoc-gen-es")).toBeUndefined();
    const tools = toolsGoImports(
      '//go:build tools\npackage tools\nimport (\n\t_ "github.com/other/protoc-gen-x"\n)\n',
    );
    expect(tools).toEqual(["github.com/other/protoc-gen-x"]);
    const other = parseGoMod("module m\nrequire github.com/other v1.0.0\n");
    expect(goPluginPin(other, "protoc-gen-x", tools)).toBe("github.com/other@v1.0.0");
  });
});
