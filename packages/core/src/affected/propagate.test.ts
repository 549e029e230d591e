import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildGraph } from "../graph/build.js";
import type { Cause, GraphEdge, NodeId } from "../types.js";
import { computeAffected } from "./index.js";
import { dependentsIndex, propagate } from "./propagate.js";

const cause: Cause = { kind: "file", rule: "owned", file: "x" };
const id = (i: number) => `target:t${String(i).padStart(2, "0")}` as NodeId;

/** Random graphs (cycles allowed) with both edge kinds, and random touched sets. */
const graphs = fc.integer({ min: 1, max: 25 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(
      fc.record({
        from: fc.integer({ min: 0, max: n - 1 }),
        to: fc.integer({ min: 0, max: n - 1 }),
        generates: fc.boolean(),
      }),
      { maxLength: n * 3 },
    ),
    touched: fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { maxLength: n }),
    extra: fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { maxLength: n }),
    conservative: fc.boolean(),
  }),
);

function toEdges(edges: { from: number; to: number; generates: boolean }[]): GraphEdge[] {
  return edges
    .filter((e) => e.from !== e.to)
    .map((e) => ({
      from: id(e.from),
      to: id(e.to),
      kind: e.generates ? "generates" : "depends",
      declaredIn: "test",
    }));
}

/** Brute force: a node is affected iff it reaches a touched node over the followed edges. */
function reference(n: number, edges: GraphEdge[], touched: Set<NodeId>, conservative: boolean): Set<NodeId> {
  const out = new Set<NodeId>();
  for (let i = 0; i < n; i++) {
    const seen = new Set<NodeId>([id(i)]);
    const stack = [id(i)];
    while (stack.length > 0) {
      const current = stack.pop()!;
      if (touched.has(current)) {
        out.add(id(i));
        break;
      }
      for (const e of edges) {
        if (e.from !== current || seen.has(e.to) || (e.kind === "generates" && !conservative)) continue;
        seen.add(e.to);
        stack.push(e.to);
      }
    }
  }
  return out;
}

describe("propagate", () => {
  it("agrees with a brute-force reachability reference on random graphs", () => {
    fc.assert(
      fc.property(graphs, ({ n, edges, touched, conservative }) => {
        const graphEdges = toEdges(edges);
        const touchedIds = new Set(touched.map(id));
        const reasons = propagate(
          new Map([...touchedIds].map((t) => [t, cause])),
          dependentsIndex(graphEdges, conservative),
        );
        expect(new Set(reasons.keys())).toEqual(reference(n, graphEdges, touchedIds, conservative));
        for (const [node, reason] of reasons) {
          // Each chain starts at a touched node, ends at the node, and follows real edges.
          expect(touchedIds.has(reason.chain[0]!)).toBe(true);
          expect(reason.chain.at(-1)).toBe(node);
          for (let i = 1; i < reason.chain.length; i++) {
            const ok = graphEdges.some(
              (e) =>
                e.from === reason.chain[i] &&
                e.to === reason.chain[i - 1] &&
                (e.kind === "depends" || conservative),
            );
            expect(ok).toBe(true);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it("never shrinks when more nodes are touched", () => {
    fc.assert(
      fc.property(graphs, ({ edges, touched, extra, conservative }) => {
        const index = dependentsIndex(toEdges(edges), conservative);
        const small = propagate(new Map(touched.map((t) => [id(t), cause])), index);
        const big = propagate(new Map([...touched, ...extra].map((t) => [id(t), cause])), index);
        for (const node of small.keys()) expect(big.has(node)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe("computeAffected", () => {
  /** Random acyclic target graphs, each target owning one directory, and random changed files. */
  const scenarios = fc.integer({ min: 1, max: 15 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      deps: fc.array(fc.uniqueArray(fc.nat({ max: 14 }), { maxLength: 4 }), { minLength: n, maxLength: n }),
      changed: fc.uniqueArray(fc.nat({ max: n + 2 }), { maxLength: 6 }),
      more: fc.uniqueArray(fc.nat({ max: n + 2 }), { maxLength: 6 }),
    }),
  );

  function graphFor(n: number, deps: number[][]) {
    const targets: Record<string, { inputs: string[]; dependsOn: string[] }> = {};
    for (let i = 0; i < n; i++) {
      targets[`t${String(i).padStart(2, "0")}`] = {
        inputs: [`dir${i}/**`],
        // only lower indices: acyclic by construction
        dependsOn: (deps[i] ?? []).filter((d) => d < i).map((d) => id(d)),
      };
    }
    const files = Array.from({ length: n + 3 }, (_, i) => `dir${i}/file.txt`);
    return buildGraph({
      config: {
        unowned: "ignore",
        global: [],
        protos: {},
        generators: {},
        packages: {},
        images: {},
        targets,
      },
      configFile: "shipgraph.yaml",
      discovered: {
        workspace: { workspaceFile: undefined, packages: [], warnings: [] },
        templates: new Map(),
        dockerignores: new Map(),
        files,
      },
    });
  }

  it("matches the brute-force reference from files to nodes, and adding files never shrinks it", () => {
    fc.assert(
      fc.property(scenarios, ({ n, deps, changed, more }) => {
        const graph = graphFor(n, deps);
        const run = (files: number[]) =>
          computeAffected({
            graph,
            changes: files.map((f) => ({ path: `dir${f}/file.txt`, status: "modified" as const })),
          });
        const result = run(changed);
        const touched = new Set(changed.filter((f) => f < n).map(id));
        const expected = reference(n, graph.edges, touched, false);
        expect(new Set(result.affected.target.map((name) => `target:${name}` as NodeId))).toEqual(expected);
        expect(result.unownedFiles).toEqual(
          changed
            .filter((f) => f >= n)
            .map((f) => `dir${f}/file.txt`)
            .sort(),
        );
        const bigger = run([...new Set([...changed, ...more])]);
        for (const name of result.affected.target) expect(bigger.affected.target).toContain(name);
      }),
      { numRuns: 200 },
    );
  });
});
