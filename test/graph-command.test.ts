import { describe, expect, it } from "vitest";
import { shipgraph } from "./helpers/cli.js";
import { exampleRepo } from "./helpers/repo.js";

/** Parses the node and edge lines of a Mermaid flowchart into ids and labelled edges. */
function parseMermaid(text: string) {
  const lines = text.trimEnd().split("\n");
  expect(lines[0]).toBe("flowchart LR");
  const labels = new Map<string, string>();
  const edges: string[] = [];
  for (const line of lines.slice(1)) {
    const node = /^ {2}(n\d+)\["([^"]*)"\]$/.exec(line);
    const edge = /^ {2}(n\d+) (-->|-\.->|-\.->\|reads\|) (n\d+)$/.exec(line);
    if (node) labels.set(node[1]!, node[2]!);
    else if (edge) edges.push(`${edge[1]} ${edge[2]} ${edge[3]}`);
    else throw new Error(`unparsed Mermaid line: ${JSON.stringify(line)}`);
  }
  return {
    nodes: [...labels.values()],
    edges: edges.map((e) => {
      const [from, arrow, to] = e.split(" ");
      return `${labels.get(from!)} ${arrow} ${labels.get(to!)}`;
    }),
  };
}

describe("shipgraph graph", () => {
  it("renders the example as a Mermaid flowchart whose nodes and edges parse", async () => {
    const repo = exampleRepo();
    const run = await shipgraph(repo.dir, ["graph", "--format", "mermaid"]);
    expect(run.code).toBe(0);
    const { nodes, edges } = parseMermaid(run.stdout);
    expect(nodes).toEqual([
      "generator:routes",
      "generator:ts-sdk",
      "image:api",
      "image:base",
      "image:billing",
      "image:orders",
      "package:@acme/api",
      "package:@acme/auth",
      "package:@acme/billing",
      "package:@acme/logger",
      "package:@acme/orders",
      "package:@acme/routes",
      "package:@acme/sdk",
      "proto:core",
      "target:docs-site",
    ]);
    expect(edges).toContain("proto:core --> generator:ts-sdk");
    expect(edges).toContain("package:@acme/auth --> package:@acme/api");
    expect(edges).toContain("image:base --> image:api");
    expect(edges).toContain("package:@acme/api --> image:api");
    expect(edges).toContain("generator:ts-sdk -.-> package:@acme/sdk");
    expect(edges).toContain("generator:ts-sdk --> target:docs-site");
    expect(edges).toContain("image:base --> image:billing");
    expect(edges).toHaveLength(18);
  });

  it("--focus keeps what a node depends on and what depends on it", async () => {
    const repo = exampleRepo();
    const run = await shipgraph(repo.dir, ["graph", "--focus", "package:@acme/auth"]);
    const { nodes } = parseMermaid(run.stdout);
    expect(nodes).toEqual(["image:api", "package:@acme/api", "package:@acme/auth", "package:@acme/logger"]);
  });

  it("--focus shows the images that COPY a node's files (reads), and only the files' own node", async () => {
    // a root-context image whose Dockerfile copies the auth package's directory: no graph edge
    // links the two (the image owns those files itself), yet a change there rebuilds the image
    const repo = exampleRepo();
    const config = repo.read("shipgraph.yaml");
    repo
      .write({
        "shipgraph.yaml": config.replace(
          "\ntargets:",
          "  worker:\n    context: .\n    dockerfile: services/worker/Dockerfile\n\ntargets:",
        ),
        "services/worker/Dockerfile":
          "FROM node:20\nCOPY packages/auth ./auth\nCOPY services/worker/main.js ./\n",
        "services/worker/main.js": "import './auth/src/index.ts';\n",
      })
      .commit("worker");
    const auth = parseMermaid((await shipgraph(repo.dir, ["graph", "--focus", "package:@acme/auth"])).stdout);
    expect(auth.nodes).toContain("image:worker");
    expect(auth.edges).toContain("package:@acme/auth -.->|reads| image:worker");
    // the worker copies auth's files, not auth's dependency logger: a logger change skips it
    const logger = parseMermaid(
      (await shipgraph(repo.dir, ["graph", "--focus", "package:@acme/logger"])).stdout,
    );
    expect(logger.nodes).not.toContain("image:worker");
    const worker = parseMermaid((await shipgraph(repo.dir, ["graph", "--focus", "image:worker"])).stdout);
    expect(worker.nodes).toEqual(["image:worker", "package:@acme/auth"]);
    expect(worker.edges).toEqual(["package:@acme/auth -.->|reads| image:worker"]);
    // the same as the answer affected gives
    const affected = (files: string) =>
      shipgraph(repo.dir, ["affected", "--files", files, "--format", "json"]).then(
        (r) => r.json<{ affected: { image: string[] } }>().affected.image,
      );
    expect(await affected("packages/auth/src/index.ts")).toContain("worker");
    expect(await affected("packages/logger/src/index.ts")).not.toContain("worker");
    const json = await shipgraph(repo.dir, ["graph", "--format", "json", "--focus", "image:worker"]);
    expect(json.json<{ edges: unknown[] }>().edges).toEqual([
      {
        declaredIn: "services/worker/Dockerfile:2 COPY packages/auth ./auth",
        from: "image:worker",
        kind: "reads",
        to: "package:@acme/auth",
      },
    ]);
    const dot = await shipgraph(repo.dir, ["graph", "--format", "dot", "--focus", "image:worker"]);
    expect(dot.stdout).toContain('"package:@acme/auth" -> "image:worker" [style=dotted, label="reads"];');
  });

  it("prints DOT and JSON", async () => {
    const repo = exampleRepo();
    const dot = await shipgraph(repo.dir, ["graph", "--format", "dot", "--focus", "image:billing"]);
    expect(dot.stdout).toBe(
      'digraph shipgraph {\n  rankdir=LR;\n  "image:base";\n  "image:billing";\n  "package:@acme/billing";\n' +
        '  "package:@acme/logger";\n  "image:base" -> "image:billing";\n  "package:@acme/billing" -> "image:billing";\n' +
        '  "package:@acme/logger" -> "package:@acme/billing";\n}\n',
    );
    const json = await shipgraph(repo.dir, ["graph", "--format", "json"]);
    const graph = json.json<{ nodes: { id: string; image?: unknown }[]; edges: unknown[] }>();
    expect(graph.nodes.find((n) => n.id === "image:api")?.image).toEqual({
      context: "services/api",
      dockerfile: "services/api/Dockerfile",
      dockerignoreFile: "services/api/.dockerignore",
      level: 1,
      matrix: { platform: "linux/amd64" },
    });
  });

  it("an unknown --focus node is exit 2", async () => {
    const repo = exampleRepo();
    const run = await shipgraph(repo.dir, ["graph", "--focus", "image:nope"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("error[UNKNOWN_NODE]: --focus image:nope: no such node");
    const bare = await shipgraph(repo.dir, ["graph", "--focus", "billing"]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("hint: did you mean image:billing?");
  });
});
