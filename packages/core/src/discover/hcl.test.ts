import { describe, expect, it } from "vitest";
import {
  evaluateHcl,
  HclError,
  type HclScope,
  type HclValue,
  hclTemplateFromString,
  parseHcl,
} from "./hcl.js";

const vars = (values: Record<string, HclValue>): HclScope => ({
  variable(name, line) {
    if (name in values) return values[name]!;
    throw new HclError(`unknown variable "${name}"`, line);
  },
  functions: { upper: ([s]) => String(s).toUpperCase() },
});

/** Evaluates every attribute of the first block (or the file) into plain data. */
function attrs(text: string, scope: HclScope = vars({})): Record<string, HclValue> {
  const body = parseHcl(text);
  const source = body.blocks[0]?.body ?? body;
  return Object.fromEntries(source.attributes.map((a) => [a.name, evaluateHcl(a.expr, scope)]));
}

describe("parseHcl", () => {
  it("reads blocks with labels, attributes and their lines", () => {
    const body = parseHcl(`# bake file
variable "TAG" {
  default = "latest"
}

group "default" {
  targets = ["api", "web"]
}

target "api" {
  context    = "services/api"
  dockerfile = "Dockerfile.prod" // trailing comment
}
`);
    expect(body.blocks.map((b) => [b.type, b.labels, b.line])).toEqual([
      ["variable", ["TAG"], 2],
      ["group", ["default"], 6],
      ["target", ["api"], 10],
    ]);
    const api = body.blocks[2]!.body.attributes;
    expect(api.map((a) => [a.name, a.line])).toEqual([
      ["context", 11],
      ["dockerfile", 12],
    ]);
  });

  it("reads objects (newline or comma separated, = or :), nested lists and one-line blocks", () => {
    expect(
      attrs(`target "x" {
  args = {
    NODE_VERSION = "20"
    "quoted-key": 1, DEBUG = true
  }
  platforms = [
    "linux/amd64",
    "linux/arm64", # the Macs
  ]
  empty = {}
}`),
    ).toEqual({
      args: { NODE_VERSION: "20", "quoted-key": 1, DEBUG: true },
      platforms: ["linux/amd64", "linux/arm64"],
      empty: {},
    });
    expect(attrs(`target "x" { context = "." }`)).toEqual({ context: "." });
  });

  it("interpolates templates, keeps $${ literal and decodes escapes", () => {
    const scope = vars({ TAG: "1.2", REGISTRY: "ghcr.io/acme", N: 3, LIST: ["a"] });
    expect(
      attrs(
        `a = "\${REGISTRY}/api:\${TAG}"
b = "$\${NOT} \\"q\\" \\u00e9"
c = "\${LIST}"
d = "n=\${N}"
e = REGISTRY
f = upper("x\${TAG}")
g = TAG == "1.2" ? "yes" : "no"
h = N + 1
i = !(N > 2)
`,
        scope,
      ),
    ).toEqual({
      a: "ghcr.io/acme/api:1.2",
      b: '${NOT} "q" é',
      c: ["a"],
      d: "n=3",
      e: "ghcr.io/acme",
      f: "X1.2",
      g: "yes",
      h: 4,
      i: false,
    });
  });

  it("reads heredocs, flush heredocs keeping the relative indentation", () => {
    expect(
      attrs(
        `target "x" {
  dockerfile-inline = <<EOT
FROM alpine
RUN echo \${V}
EOT
  flush = <<-EOT
    a
      b
    EOT
}`,
        vars({ V: "hi" }),
      ),
    ).toEqual({ "dockerfile-inline": "FROM alpine\nRUN echo hi\n", flush: "a\n  b\n" });
  });

  it("parses for expressions and splats but refuses to evaluate them, naming the line", () => {
    const body = parseHcl(`target "x" {
  tags = [for v in VERSIONS : "app:\${v}"]
  context = "."
}`);
    const [tags, context] = body.blocks[0]!.body.attributes;
    expect(evaluateHcl(context!.expr, vars({}))).toBe(".");
    expect(() => evaluateHcl(tags!.expr, vars({}))).toThrow(/for expression is not supported/);
  });

  it.each([
    ['target "x" {\n  context = "unterminated\n}', 2, /unterminated string/],
    ['target "x" {\n  context = "."\n', 3, /missing }/],
    ['target "x" {\n  context "."\n}', 2, /expected = or \{/],
    ['target "x" {\n  a = "b" c = "d"\n}', 2, /end of the line/],
    ["}", 1, /unexpected }/],
  ])("a syntax error is an HclError with its line: %j", (text, line, message) => {
    try {
      parseHcl(text);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(HclError);
      expect((error as HclError).line).toBe(line);
      expect((error as HclError).message).toMatch(message);
    }
  });

  it("evaluation errors name the line of the failing reference", () => {
    const body = parseHcl(`a = "ok"\nb = "x-\${MISSING}"`);
    try {
      evaluateHcl(body.attributes[1]!.expr, vars({}));
      expect.unreachable();
    } catch (error) {
      expect((error as HclError).line).toBe(2);
      expect((error as HclError).message).toMatch(/MISSING/);
    }
  });
});

describe("hclTemplateFromString (docker-bake.json strings)", () => {
  it("interpolates like HCL and reports lines from the given start", () => {
    const expr = hclTemplateFromString("apps/${APP}", 7);
    expect(evaluateHcl(expr, vars({ APP: "web" }))).toBe("apps/web");
    expect(() => evaluateHcl(expr, vars({}))).toThrow(HclError);
    expect(expr.line).toBe(7);
  });
});
