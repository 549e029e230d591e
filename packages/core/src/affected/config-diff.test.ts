import { describe, expect, it } from "vitest";
import { normalizeConfig } from "../config/normalize.js";
import { movedTemplates } from "./config-diff.js";

const config = (generators: Record<string, unknown>) =>
  normalizeConfig({
    file: "shipgraph.yaml",
    data: { generators },
    lineOf: () => undefined,
    sourceOf: () => undefined,
  });

describe("movedTemplates", () => {
  it("a declaration differing only in its template's path is a move, `run` words naming it included", () => {
    const base = config({
      a: { template: "buf.gen.ts.yaml", protos: [] },
      b: { run: "buf generate proto --template=buf.gen.b.yaml -o out" },
      c: { template: "./c.yaml", run: ["buf", "generate", "--template", "c.yaml"] },
    });
    const head = config({
      a: { template: "buf/ts.yaml" },
      b: { run: "buf generate proto --template=gen/b.yaml -o out" },
      c: { template: "gen/c.yaml", run: ["buf", "generate", "--template", "./gen/c.yaml"] },
    });
    expect(Object.fromEntries(movedTemplates(base, head))).toEqual({
      a: { from: "buf.gen.ts.yaml", to: "buf/ts.yaml" },
      b: { from: "buf.gen.b.yaml", to: "gen/b.yaml" },
      c: { from: "c.yaml", to: "gen/c.yaml" },
    });
  });

  it("anything else that changes is no move: -o, an input, outputs, a template named inside a shell string or given to another command", () => {
    const base = config({
      a: { run: "buf generate --template a.yaml -o x" },
      b: { template: "b.yaml", inputs: ["x/**"] },
      c: { template: "c.yaml" },
      d: { run: ["sh", "-c", "buf generate --template d.yaml"] },
      e: { template: "e.yaml" },
      f: { template: "f.yaml", run: ["sh", "gen.sh", "f.yaml"] },
    });
    const head = config({
      a: { run: "buf generate --template gen/a.yaml -o y" },
      b: { template: "gen/b.yaml", inputs: ["y/**"] },
      c: { template: "gen/c.yaml", outputs: ["gen/**"] },
      d: { run: ["sh", "-c", "buf generate --template gen/d.yaml"] },
      e: { template: "e.yaml" },
      f: { template: "gen/f.yaml", run: ["sh", "gen.sh", "gen/f.yaml"] },
    });
    expect(movedTemplates(base, head).size).toBe(0);
  });
});
