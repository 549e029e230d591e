import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanEnv, shipgraph } from "./helpers/cli.js";
import { exampleRepo, tempDir } from "./helpers/repo.js";

function githubFiles() {
  const dir = tempDir("shipgraph-gh-");
  const output = join(dir, "output");
  const summary = join(dir, "summary");
  writeFileSync(output, "");
  writeFileSync(summary, "");
  return { output, summary, env: cleanEnv({ GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary }) };
}

/** Parses $GITHUB_OUTPUT the way the runner does (name=value lines, or name<<DELIM blocks). */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1);
      outputs[heredoc[1]!] = lines.slice(i + 1, end).join("\n");
      i = end;
    } else {
      const eq = line.indexOf("=");
      outputs[line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
  return outputs;
}

describe("--format github", () => {
  it("writes single-line outputs, a log summary, and a job summary with a table and a flowchart", async () => {
    const repo = exampleRepo();
    repo.append("packages/logger/src/index.ts", "// x\n").commit();
    const gh = githubFiles();
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "github"], {
      env: gh.env,
    });
    expect(run.code).toBe(0);
    const outputs = parseOutputs(readFileSync(gh.output, "utf8"));
    expect(Object.keys(outputs)).toEqual([
      "needs_proto",
      "needs_images",
      "has_work",
      "mode",
      "matrix",
      "affected",
      "matrix_level_0",
      "has_work_level_0",
      "matrix_level_1",
      "has_work_level_1",
    ]);
    expect(outputs.needs_proto).toBe("false");
    expect(outputs.needs_images).toBe("true");
    expect(outputs.has_work).toBe("true");
    expect(JSON.parse(outputs.matrix!)).toEqual({
      include: ["api", "billing", "orders"].map((image) => ({
        context: `services/${image}`,
        dockerfile: `services/${image}/Dockerfile`,
        image,
        level: 1,
        platform: "linux/amd64",
      })),
    });
    // build levels: the base image (level 0) is not affected; the services are level 1
    expect(outputs.matrix_level_0).toBe('{"include":[]}');
    expect(outputs.has_work_level_0).toBe("false");
    expect(JSON.parse(outputs.matrix_level_1!)).toEqual(JSON.parse(outputs.matrix!));
    expect(outputs.has_work_level_1).toBe("true");
    expect(JSON.parse(outputs.affected!).image).toEqual(["api", "billing", "orders"]);
    expect(run.stdout).toContain("shipgraph: 1 changed file(s), 8 affected node(s), 3 image(s) to build");

    const summary = readFileSync(gh.summary, "utf8");
    expect(summary).toContain("| kind | name | why |");
    expect(summary).toContain(
      "| image | `api` | packages/logger/src/index.ts changed → package:@acme/logger → package:@acme/auth → package:@acme/api |",
    );
    const mermaid = /```mermaid\n([\s\S]*?)```/.exec(summary)?.[1];
    expect(mermaid).toBeDefined();
    expect(mermaid!.split("\n")[0]).toBe("flowchart LR");
    expect(mermaid).toContain('[/"packages/logger/src/index.ts"/]');
    expect(mermaid).toContain('["image:api"]');
  });

  it("has_work is false and the matrix empty when no image is affected", async () => {
    const repo = exampleRepo();
    repo.append("buf.gen.ts.yaml", "managed:\n  enabled: false\n").commit();
    const gh = githubFiles();
    await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "github"], { env: gh.env });
    const outputs = parseOutputs(readFileSync(gh.output, "utf8"));
    expect(outputs).toMatchObject({
      needs_proto: "true",
      needs_images: "false",
      has_work: "false",
      matrix: '{"include":[]}',
    });
  });

  it("a hostile file name cannot end a value early or inject another output", async () => {
    const repo = exampleRepo();
    const hostile = "packages/logger/src/x\nhas_work=false\nmatrix<<EOF\n::set-output name=a::b.ts";
    repo.write({ [hostile]: "x" }).commit();
    const gh = githubFiles();
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "github"], {
      env: gh.env,
    });
    expect(run.code).toBe(0);
    const text = readFileSync(gh.output, "utf8");
    expect(text.split("\n").filter(Boolean)).toHaveLength(10);
    const outputs = parseOutputs(text);
    expect(outputs.has_work).toBe("true");
    expect(JSON.parse(outputs.matrix!).include).toHaveLength(3);
    expect(run.stdout).not.toContain("\n::");
  });

  it("caps the summary flowchart at about 50 nodes and says how many more", async () => {
    const repo = exampleRepo();
    const config = readFileSync(join(repo.dir, "shipgraph.yaml"), "utf8");
    const many = Array.from(
      { length: 60 },
      (_, i) => `  t${String(i).padStart(2, "0")}: { inputs: ["docs/site/**"] }\n`,
    ).join("");
    repo.write({ "shipgraph.yaml": `${config}${many}` }).commit("many targets");
    repo.git("branch", "-f", "main", "HEAD");
    repo.append("docs/site/index.md", "more\n").commit();
    const gh = githubFiles();
    await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "github"], { env: gh.env });
    const mermaid = /```mermaid\n([\s\S]*?)```/.exec(readFileSync(gh.summary, "utf8"))![1]!;
    const nodes = mermaid.split("\n").filter((l) => /^\s+n\d+\[/.test(l));
    expect(nodes.length).toBeLessThanOrEqual(50);
    expect(mermaid).toContain('more["and 12 more affected nodes"]');
  });
});
