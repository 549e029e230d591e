import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cleanEnv, shipgraph } from "./helpers/cli.js";
import { exampleRepo, gitRepo, tempDir } from "./helpers/repo.js";

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

describe("--format github: matrices larger than a GitHub job takes", () => {
  /** A base image (level 0) and `count` services built FROM it (level 1). */
  function manyImages(count: number) {
    const names = Array.from({ length: count }, (_, i) => `s${String(i).padStart(3, "0")}`);
    const files: Record<string, string> = {
      "images/base/Dockerfile": "FROM alpine:3.20\n",
      "shipgraph.yaml": [
        "images:",
        "  base: { context: images/base, ref: ghcr.io/acme/base }",
        ...names.map((name) => `  ${name}: { context: services/${name} }`),
        "",
      ].join("\n"),
    };
    for (const name of names) {
      files[`services/${name}/Dockerfile`] = "FROM ghcr.io/acme/base\nCOPY main.sh /app/\n";
      files[`services/${name}/main.sh`] = `echo ${name}\n`;
    }
    return { repo: gitRepo(files), names };
  }

  const entries = (json: string | undefined) =>
    (JSON.parse(json!) as { include: { image: string }[] }).include.map((entry) => entry.image);

  it("splits each matrix the graph can fill beyond 256 into parts that together hold every entry, and warns", async () => {
    const { repo, names } = manyImages(300);
    const gh = githubFiles();
    const run = await shipgraph(repo.dir, ["affected", "--all", "--format", "github"], { env: gh.env });
    expect(run.code).toBe(0);
    const outputs = parseOutputs(readFileSync(gh.output, "utf8"));
    const all = entries(outputs.matrix);
    expect(all).toHaveLength(301);
    expect(entries(outputs.matrix_part_0)).toHaveLength(256);
    expect([...entries(outputs.matrix_part_0), ...entries(outputs.matrix_part_1)]).toEqual(all);
    expect(outputs).toMatchObject({ has_work_part_0: "true", has_work_part_1: "true" });
    expect(outputs.matrix_part_2).toBeUndefined();
    // level 0 (one image) fits a job: no parts; level 1 (300) does not
    expect(entries(outputs.matrix_level_0)).toEqual(["base"]);
    expect(Object.keys(outputs).filter((key) => key.startsWith("matrix_level_0_"))).toEqual([]);
    expect(entries(outputs.matrix_level_1_part_0)).toEqual(names.slice(0, 256));
    expect(entries(outputs.matrix_level_1_part_1)).toEqual(names.slice(256));
    expect(outputs.has_work_level_1_part_1).toBe("true");
    expect(run.stdout).toContain(
      "::warning title=shipgraph matrix::matrix has 301 entries, and a GitHub Actions job takes at most 256 (a job built from it fails): build from matrix_part_0 … matrix_part_1, one job each, guarded by has_work_part_<k>\n",
    );
    expect(run.stdout).toContain("::warning title=shipgraph matrix::matrix_level_1 has 300 entries");
  });

  it("emits the same part outputs when few images are affected (a workflow's jobs are fixed), without a warning", async () => {
    const { repo } = manyImages(300);
    repo.git("checkout", "-q", "-b", "feature");
    repo.append("services/s007/main.sh", "echo more\n").commit();
    const gh = githubFiles();
    const run = await shipgraph(repo.dir, ["affected", "--base", "main", "--format", "github"], {
      env: gh.env,
    });
    expect(run.code).toBe(0);
    const outputs = parseOutputs(readFileSync(gh.output, "utf8"));
    expect(entries(outputs.matrix)).toEqual(["s007"]);
    expect(entries(outputs.matrix_part_0)).toEqual(["s007"]);
    expect(outputs).toMatchObject({
      has_work_part_0: "true",
      matrix_part_1: '{"include":[]}',
      has_work_part_1: "false",
      has_work_level_1_part_0: "true",
      has_work_level_1_part_1: "false",
    });
    expect(run.stdout).not.toContain("::warning");
  });
});

describe("drift --format github", () => {
  it("prints the report with workflow commands stopped: generated lines starting with :: are shown, not run", async () => {
    const generated =
      "::google::protobuf::Arena* a;\n  ::add-mask::secret\n::error file=README.md::fake\nint v = 2;\n";
    const repo = gitRepo({
      "shipgraph.yaml":
        'generators:\n  g:\n    run: ["node", "tools/gen.mjs"]\n    inputs: ["tools/**"]\n    outputs: ["gen/**"]\n',
      "tools/gen.mjs": `import { mkdirSync, writeFileSync } from "node:fs";\nmkdirSync("gen", { recursive: true });\nwriteFileSync("gen/a.cc", ${JSON.stringify(generated)});\n`,
      "gen/a.cc": generated.replace("int v = 2;", "int v = 1;"),
    });
    const { env } = githubFiles();
    const run = await shipgraph(repo.dir, ["drift", "--format", "github"], { env });
    expect(run.code).toBe(1);
    const lines = run.stdout.split("\n");
    const stop = lines.findIndex((line) => line.startsWith("::stop-commands::"));
    const token = lines[stop]!.slice("::stop-commands::".length);
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    const resume = lines.indexOf(`::${token}::`);
    // the runner trims a line before looking for "::": outside the stopped part, only these are commands
    const outside = [...lines.slice(0, stop + 1), ...lines.slice(resume)];
    expect(outside.filter((line) => line.trimStart().startsWith("::"))).toEqual([
      "::error file=gen/a.cc,title=shipgraph drift%3A g::gen/a.cc differs from what the generator produces; run `shipgraph drift --fix`",
      `::stop-commands::${token}`,
      `::${token}::`,
    ]);
    // the diff, with the generated lines, is inside
    const inside = lines.slice(stop + 1, resume).join("\n");
    expect(inside).toContain("::add-mask::secret");
    expect(inside).toContain("-int v = 1;\n");
    // deterministic: the same report, the same token
    const again = await shipgraph(repo.dir, ["drift", "--format", "github"], { env });
    expect(again.stdout).toBe(run.stdout);
  });
});
