import { describe, expect, it } from "vitest";
import { normalizeConfig } from "../config/normalize.js";
import type { Discovered } from "../discover/index.js";
import { buildGraph } from "../graph/build.js";
import type { GraphNode } from "../types.js";
import { generatorNeeds, planDriftGroups, withDependents, withRelated } from "./plan.js";

/** A graph of `generators` (config entries), with package `plugin` at plugins/x holding `files`. */
function graphOf(generators: Record<string, unknown>, files: string[] = []) {
  const config = normalizeConfig({
    file: "shipgraph.yaml",
    data: { generators },
    lineOf: () => undefined,
    sourceOf: () => undefined,
  });
  const discovered: Discovered = {
    workspace: {
      workspaceFile: "pnpm-workspace.yaml",
      packages: [
        { name: "plugin", dir: "plugins/x", manifest: "plugins/x/package.json", dependencies: [], bins: [] },
      ],
      warnings: [],
    },
    templates: new Map(),
    protoModules: new Map(),
    dockerignores: new Map(),
    dockerfiles: new Map(),
    files,
  };
  const graph = buildGraph({ config, configFile: "shipgraph.yaml", discovered });
  const all = [...graph.nodes.values()].filter((n) => n.kind === "generator");
  const named = (...names: string[]) => all.filter((n) => names.includes(n.name));
  return { graph, all, named };
}

const names = (nodes: readonly GraphNode[]) => nodes.map((n) => n.name);
const gen = (outputs: string[], more: Record<string, unknown> = {}) => ({
  run: "node g.mjs",
  outputs,
  ...more,
});

describe("generatorNeeds", () => {
  it("follows dependsOn, inputs that are another's outputs, and packages holding another's outputs", () => {
    const { graph } = graphOf(
      {
        schema: gen(["mid/**"]),
        byDepends: gen(["out1/**"], { dependsOn: ["generator:schema"] }),
        byInputs: gen(["out2/**"], { inputs: ["mid/*.json"] }),
        // its plugin package holds what `plugin-code` generates
        byPackage: gen(["out3/**"], { dependsOn: ["package:plugin"] }),
        "plugin-code": gen(["plugins/x/gen/**"]),
        chained: gen(["out4/**"], { dependsOn: ["generator:byInputs"] }),
        alone: gen(["out5/**"]),
      },
      ["mid/v.json", "plugins/x/gen/a.ts"],
    );
    const needs = generatorNeeds(graph);
    const of = (name: string) => [...(needs.get(`generator:${name}`) ?? [])].sort();
    expect(of("byDepends")).toEqual(["generator:schema"]);
    expect(of("byInputs")).toEqual(["generator:schema"]);
    expect(of("byPackage")).toEqual(["generator:plugin-code"]);
    expect(of("chained")).toEqual(["generator:byInputs", "generator:schema"]);
    expect(of("alone")).toEqual([]);
    expect(of("schema")).toEqual([]);
  });
});

describe("planDriftGroups and selection", () => {
  const setup = () =>
    graphOf(
      {
        b: gen(["gen/**"], { inputs: ["mid/**"] }),
        a: gen(["mid/**"]),
        c: gen(["other/**"]),
        d: gen(["gen/d/**"]),
      },
      ["mid/v.json"],
    );

  it("a generator shares a sandbox with, and runs after, those it needs; independent ones stay apart", () => {
    const { graph, all } = setup();
    const groups = planDriftGroups(graph, all);
    expect(groups.map((g) => names(g.generators))).toEqual([["a", "b", "d"], ["c"]]);
    expect([...groups[0]!.needs.get("generator:b")!]).toEqual(["generator:a"]);
  });

  it("naming one adds what it needs and what shares its outputs; --base also adds what needs it", () => {
    const { graph, all, named } = setup();
    const needs = generatorNeeds(graph);
    expect(names(withRelated(all, named("b"), needs))).toEqual(["b", "a", "d"].sort());
    expect(names(withRelated(all, named("a"), needs))).toEqual(["a"]);
    expect(names(withDependents(all, named("a"), needs))).toEqual(["a", "b"]);
  });
});
