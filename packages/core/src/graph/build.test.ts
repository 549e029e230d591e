import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizeConfig } from "../config/normalize.js";
import type { Discovered } from "../discover/index.js";
import { imageKey } from "../docker/image-ref.js";
import type { GraphEdge, NodeId } from "../types.js";
import { compareStrings } from "../util/sort.js";
import { buildGraph } from "./build.js";

/**
 * Random graphs of images and targets linked by dependsOn (no self edges): up to `maxNodes`
 * nodes and `edgesPerNode` edges a node; with `acyclic`, edges only go from a higher index to a
 * lower one.
 */
const graphsOf = (maxNodes: number, edgesPerNode: number, acyclic: boolean) =>
  fc.integer({ min: 1, max: maxNodes }).chain((n) =>
    fc.record({
      kinds: fc.array(fc.constantFrom("image", "target"), { minLength: n, maxLength: n }),
      edges: fc
        .array(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 })), {
          maxLength: n * edgesPerNode,
        })
        .map((pairs) =>
          pairs
            .filter(([a, b]) => a !== b)
            .map(([a, b]): [number, number] => (acyclic ? [Math.max(a, b), Math.min(a, b)] : [a, b])),
        ),
    }),
  );

/** Random DAGs. */
const dags = graphsOf(18, 3, true);

function graphOf(kinds: readonly string[], pairs: readonly [number, number][]) {
  const id = (i: number) => `${kinds[i]}:n${i}` as NodeId;
  const images: Record<string, unknown> = {};
  const targets: Record<string, unknown> = {};
  kinds.forEach((kind, i) => {
    const dependsOn = [...new Set(pairs.filter(([from]) => from === i).map(([, to]) => id(to)))];
    if (kind === "image") images[`n${i}`] = { context: `ctx${i}`, dependsOn };
    else targets[`n${i}`] = { inputs: [`t${i}/**`], dependsOn };
  });
  const config = normalizeConfig({
    file: "shipgraph.yaml",
    data: { images, targets },
    lineOf: () => undefined,
    sourceOf: () => undefined,
  });
  const discovered: Discovered = {
    workspace: { workspaceFile: undefined, packages: [], warnings: [] },
    templates: new Map(),
    protoModules: new Map(),
    dockerignores: new Map(),
    dockerfiles: new Map(kinds.map((_, i) => [`ctx${i}/Dockerfile`, "FROM scratch\nCOPY . /\n"])),
    files: [],
  };
  return { id, graph: buildGraph({ config, configFile: "shipgraph.yaml", discovered }) };
}

/** The level definition, by brute force: one walk per image through non-image nodes. */
function referenceLevels(edges: readonly GraphEdge[], images: readonly NodeId[]): Map<NodeId, number> {
  const next = (id: NodeId) => edges.filter((e) => e.from === id && e.kind !== "generates").map((e) => e.to);
  const levels = new Map<NodeId, number>();
  const levelOf = (id: NodeId): number => {
    let level = 0;
    const seen = new Set<NodeId>([id]);
    const stack = next(id);
    while (stack.length > 0) {
      const current = stack.pop()!;
      if (seen.has(current)) continue;
      seen.add(current);
      if (current.startsWith("image:")) level = Math.max(level, levelOf(current) + 1);
      else stack.push(...next(current));
    }
    return level;
  };
  for (const image of images) levels.set(image, levelOf(image));
  return levels;
}

describe("buildGraph", () => {
  it("image levels: 1 + the highest level among the images reached through non-image nodes", () => {
    fc.assert(
      fc.property(dags, ({ kinds, edges }) => {
        const { graph } = graphOf(kinds, edges);
        const images = [...graph.nodes.values()].filter((n) => n.kind === "image");
        const expected = referenceLevels(
          graph.edges,
          images.map((n) => n.id),
        );
        for (const node of images) expect(node.image!.level).toBe(expected.get(node.id));
      }),
      { numRuns: 300 },
    );
  });

  it("a chain image → target → image → image gives levels 0, 1, 2", () => {
    // n3 (image) → n2 (target) → n1 (image) → n0 (image)
    const { graph, id } = graphOf(
      ["image", "image", "target", "image"],
      [
        [1, 0],
        [2, 1],
        [3, 2],
      ],
    );
    expect(graph.nodes.get(id(0))!.image!.level).toBe(0);
    expect(graph.nodes.get(id(1))!.image!.level).toBe(1);
    expect(graph.nodes.get(id(3))!.image!.level).toBe(2);
  });

  it("a dependency cycle is an error exactly when the dependsOn edges have one", () => {
    const graphs = graphsOf(9, 2, false); // any direction: cycles possible
    /** Brute force: some node reaches itself. */
    const cyclic = (n: number, pairs: readonly [number, number][]) =>
      Array.from({ length: n }, (_, start) => {
        const seen = new Set<number>();
        const stack = pairs.filter(([a]) => a === start).map(([, b]) => b);
        while (stack.length > 0) {
          const v = stack.pop()!;
          if (v === start) return true;
          if (seen.has(v)) continue;
          seen.add(v);
          stack.push(...pairs.filter(([a]) => a === v).map(([, b]) => b));
        }
        return false;
      }).some(Boolean);
    fc.assert(
      fc.property(graphs, ({ kinds, edges }) => {
        let error: unknown;
        try {
          graphOf(kinds, edges);
        } catch (e) {
          error = e;
        }
        if (cyclic(kinds.length, edges)) expect(error).toMatchObject({ code: "GRAPH_CYCLE" });
        else expect(error).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it("edges come out sorted by (from, to), one per pair", () => {
    fc.assert(
      fc.property(dags, ({ kinds, edges }) => {
        const { graph } = graphOf(kinds, edges);
        const pairs = graph.edges.map((e) => `${e.from}\u0000${e.to}`);
        expect(new Set(pairs).size).toBe(pairs.length);
        const sorted = [...graph.edges].sort(
          (a, b) => compareStrings(a.from, b.from) || compareStrings(a.to, b.to),
        );
        expect(graph.edges).toEqual(sorted);
        const declared = new Set(
          edges.map(([from, to]) => `${kinds[from]}:n${from}\u0000${kinds[to]}:n${to}`),
        );
        expect(new Set(pairs)).toEqual(declared);
      }),
      { numRuns: 200 },
    );
  });
});

describe("imageKey", () => {
  it("names one Docker Hub image however it is spelt, and keeps other registries as they are", () => {
    const hub = [
      "node",
      "node:22",
      "library/node",
      "docker.io/node",
      "docker.io/library/node:22",
      "index.docker.io/library/node@sha256:ab",
    ];
    expect(new Set(hub.map(imageKey))).toEqual(new Set(["docker.io/library/node"]));
    expect(
      new Set(["acme/base:1", "docker.io/acme/base", "registry-1.docker.io/acme/base"].map(imageKey)),
    ).toEqual(new Set(["docker.io/acme/base"]));
    expect(imageKey("ghcr.io/Acme/base:1.2@sha256:ab")).toBe("ghcr.io/acme/base");
    expect(imageKey("registry.acme.dev:5000/acme/runtime:latest")).toBe(
      "registry.acme.dev:5000/acme/runtime",
    );
    expect(imageKey("localhost/base")).toBe("localhost/base");
    expect(imageKey("acme/base")).not.toBe(imageKey("ghcr.io/acme/base"));
  });
});
