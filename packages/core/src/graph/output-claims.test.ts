import { describe, expect, it } from "vitest";
import { expandPattern, type ProtoSource } from "../proto/outputs.js";
import { patternMatcher } from "./output-claims.js";

describe("patternMatcher: the files a protoOutputs pattern may name, whatever the .proto file", () => {
  it("turns the placeholders into wildcards under the out dir", () => {
    const routes = patternMatcher("{out}/{path}_routes.ts", "packages/routes/src/gen")!;
    expect(routes("packages/routes/src/gen/a_routes.ts")).toBe(true);
    expect(routes("packages/routes/src/gen/acme/v1/a_routes.ts")).toBe(true);
    expect(routes("packages/routes/src/gen/index.ts")).toBe(false);
    expect(routes("packages/other/a_routes.ts")).toBe(false);
    const byDir = patternMatcher("{out}/{dir}/{name}.ts", "gen")!;
    expect([byDir("gen/a.ts"), byDir("gen/x/y/a.ts"), byDir("gen/a.js")]).toEqual([true, true, false]);
    const atRoot = patternMatcher("{out}/{package}/index.ts", "")!;
    expect([atRoot("index.ts"), atRoot("acme/v1/index.ts"), atRoot("acme/v1/a.ts")]).toEqual([
      true,
      true,
      false,
    ]);
  });

  it("takes the out dir literally, and names nothing for glob characters or an unknown placeholder", () => {
    const literal = patternMatcher("{out}/{name}.ts", "gen[1]")!;
    expect([literal("gen[1]/a.ts"), literal("gen1/a.ts")]).toEqual([true, false]);
    expect(patternMatcher("{out}/*.ts", "gen")).toBeUndefined();
    expect(patternMatcher("{out}/{file}.ts", "gen")).toBeUndefined();
    expect(patternMatcher("{out}/{path.ts", "gen")).toBeUndefined();
    expect(patternMatcher("gen/{out}/{name}.ts", "gen")).toBeUndefined();
  });
});

describe("patternMatcher and expandPattern read the same placeholders", () => {
  it("matches every name expandPattern gives, for each placeholder, and knows no other", () => {
    const protos: ProtoSource[] = [
      { path: "acme/user/v1/user.proto", package: "acme.user.v1", services: 1, definitions: 1 },
      { path: "root.proto", services: 0, definitions: 1 },
    ];
    for (const pattern of [
      "{out}/{path}.ts",
      "{out}/{dir}/{name}_x.ts",
      "{out}/{package}/{name}.py",
      "lib/{name}.rs",
    ]) {
      const matches = patternMatcher(pattern, "gen")!;
      for (const proto of protos) expect(matches(expandPattern(pattern, "gen", proto)), pattern).toBe(true);
    }
    // (an own property only: not one every object has)
    expect(patternMatcher("{out}/{constructor}.ts", "gen")).toBeUndefined();
    expect(() => expandPattern("{out}/{stem}.ts", "gen", protos[0]!)).toThrow(
      "(known: {out}, {path}, {dir}, {name}, {package})",
    );
  });
});
