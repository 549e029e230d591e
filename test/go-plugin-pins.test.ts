import { describe, expect, it } from "vitest";
import { shipgraph } from "./helpers/cli.js";
import { gitRepo } from "./helpers/repo.js";

const goMod = (protobuf: string, other: string) =>
  `module github.com/acme/api\n\ngo 1.24\n\nrequire (\n\tgoogle.golang.org/protobuf ${protobuf}\n\tgithub.com/google/uuid ${other}\n)\n`;

describe("Go plugin versions pinned in go.mod are generator inputs", () => {
  it("a protoc-gen-go bump affects the Go generator only; an unrelated bump affects no generator", async () => {
    const repo = gitRepo({
      "go.mod": goMod("v1.34.1", "v1.6.0"),
      "buf.yaml": "version: v2\nmodules:\n  - path: proto\n",
      "proto/acme/v1/a.proto":
        'syntax = "proto3";\npackage acme.v1;\noption go_package = "github.com/acme/api/gen/acme/v1;acmev1";\nmessage A {}\n',
      "buf.gen.go.yaml":
        "version: v2\nplugins:\n  - local: protoc-gen-go\n    out: gen\n    opt: paths=source_relative\n",
      "buf.gen.es.yaml": "version: v2\nplugins:\n  - local: protoc-gen-es\n    out: web/gen\n",
      "shipgraph.yaml":
        "protos: { api: { path: proto } }\ngenerators:\n  go: { template: buf.gen.go.yaml }\n  es: { template: buf.gen.es.yaml }\n",
    });
    repo.git("checkout", "-q", "-b", "bump");
    repo.write({ "go.mod": goMod("v1.34.2", "v1.6.0") }).commit("bump protobuf");
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    expect(run.code, run.stderr).toBe(0);
    const report = run.json<{
      affected: Record<string, string[]>;
      reasons: Record<string, { cause: { detail?: string } }>;
      unownedFiles: string[];
    }>();
    expect(report.affected.generator).toEqual(["go"]);
    expect(report.reasons["generator:go"]!.cause.detail).toBe(
      "protoc-gen-go is pinned differently: google.golang.org/protobuf@v1.34.1 → google.golang.org/protobuf@v1.34.2",
    );
    expect(report.unownedFiles).toEqual([]);

    repo.git("checkout", "-q", "-b", "other", "main");
    repo.write({ "go.mod": goMod("v1.34.1", "v1.6.1") }).commit("bump uuid");
    const other = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "json"]);
    const otherReport = other.json<{ affected: Record<string, string[]>; unownedFiles: string[] }>();
    expect(otherReport.affected.generator).toEqual([]);
    // no node reads that part of go.mod: the file is listed as unowned (and `unowned: all` would count it)
    expect(otherReport.unownedFiles).toEqual(["go.mod"]);
  });
});
