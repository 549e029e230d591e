import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildGraph } from "../graph/build.js";
import type { Cause, GraphEdge, NodeId } from "../types.js";
import { computeAffected } from "./index.js";
import { dependentsIndex, propagate } from "./propagate.js";

const cause: Cause = { kind: "file", rule: "owned", file: "x" };
const lockfile: Cause = { kind: "file", rule: "root-manifest", file: "pnpm-lock.yaml" };
const KINDS = ["depends", "context", "generates"] as const;
const id = (i: number) => `target:t${String(i).padStart(2, "0")}` as NodeId;

/** Random graphs (cycles allowed) with every edge kind, and random touched sets and causes. */
const graphs = fc.integer({ min: 1, max: 25 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(
      fc.record({
        from: fc.integer({ min: 0, max: n - 1 }),
        to: fc.integer({ min: 0, max: n - 1 }),
        kind: fc.constantFrom(...KINDS),
      }),
      { maxLength: n * 3 },
    ),
    touched: fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { maxLength: n }),
    /** Which touched nodes have a non-file cause (a lockfile): they carry through context edges. */
    lockTouched: fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { maxLength: n }),
    extra: fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { maxLength: n }),
    conservative: fc.boolean(),
  }),
);

function toEdges(edges: { from: number; to: number; kind: (typeof KINDS)[number] }[]): GraphEdge[] {
  return edges
    .filter((e) => e.from !== e.to)
    .map((e) => ({ from: id(e.from), to: id(e.to), kind: e.kind, declaredIn: "test" }));
}

function touchedMap(touched: number[], lockTouched: number[]): Map<NodeId, Cause> {
  const lock = new Set(lockTouched);
  return new Map(touched.map((t) => [id(t), lock.has(t) ? lockfile : cause]));
}

/**
 * Brute force, as a least fixpoint: X is affected if touched, or if it depends (or, when
 * conservative, consumes generated code) on an affected node, or if its context package is
 * "carrying": affected through an edge or by a non-file cause, not only by one of its own files.
 */
function reference(
  n: number,
  edges: GraphEdge[],
  touched: ReadonlyMap<NodeId, Cause>,
  conservative: boolean,
): Set<NodeId> {
  const affected = new Set<NodeId>(touched.keys());
  const carrying = new Set<NodeId>(
    [...touched].filter(([, c]) => !(c.kind === "file" && c.rule === "owned")).map(([t]) => t),
  );
  for (let changed = true; changed; ) {
    changed = false;
    for (const e of edges) {
      if (e.kind === "generates" && !conservative) continue;
      const reaches = e.kind === "context" ? carrying.has(e.to) : affected.has(e.to);
      if (!reaches) continue;
      if (!affected.has(e.from) || !carrying.has(e.from)) {
        affected.add(e.from);
        carrying.add(e.from);
        changed = true;
      }
    }
  }
  void n;
  return affected;
}

describe("propagate", () => {
  it("agrees with a brute-force reachability reference on random graphs", () => {
    fc.assert(
      fc.property(graphs, ({ n, edges, touched, lockTouched, conservative }) => {
        const graphEdges = toEdges(edges);
        const touchedIds = new Set(touched.map(id));
        const sources = touchedMap(touched, lockTouched);
        const reasons = propagate(sources, dependentsIndex(graphEdges, conservative));
        expect(new Set(reasons.keys())).toEqual(reference(n, graphEdges, sources, conservative));
        for (const [node, reason] of reasons) {
          // Each chain starts at a touched node, ends at the node, and follows real edges.
          expect(touchedIds.has(reason.chain[0]!)).toBe(true);
          expect(reason.chain.at(-1)).toBe(node);
          for (let i = 1; i < reason.chain.length; i++) {
            const ok = graphEdges.some(
              (e) =>
                e.from === reason.chain[i] &&
                e.to === reason.chain[i - 1] &&
                (e.kind !== "generates" || conservative),
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
      fc.property(graphs, ({ edges, touched, lockTouched, extra, conservative }) => {
        const index = dependentsIndex(toEdges(edges), conservative);
        const small = propagate(touchedMap(touched, lockTouched), index);
        const big = propagate(touchedMap([...touched, ...extra], lockTouched), index);
        for (const node of small.keys()) expect(big.has(node)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe("propagate: local dependencies", () => {
  it("a local dependency's change reaches an image built from the package's directory; an own file does not", () => {
    const edges: GraphEdge[] = [
      { from: "image:api", to: "package:a", kind: "context", declaredIn: "test" },
      { from: "package:c", to: "package:a", kind: "depends", declaredIn: "test" },
    ];
    const local: Cause = { kind: "file", rule: "local-dependency", file: "vendor/foo/x.js", detail: "d" };
    const reached = (c: Cause) => [
      ...propagate(new Map([["package:a", c]]), dependentsIndex(edges, false)).keys(),
    ];
    expect(reached(local).sort()).toEqual(["image:api", "package:a", "package:c"]);
    expect(reached(cause).sort()).toEqual(["package:a", "package:c"]);
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
    const targets: Record<string, { inputs: string[]; dependsOn: NodeId[] }> = {};
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
        protoModules: new Map(),
        dockerfiles: new Map(),
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
        const touched = new Map(changed.filter((f) => f < n).map((f) => [id(f), cause]));
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
