import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareStrings, sortStrings, stableStringify } from "./sort.js";

describe("sortStrings", () => {
  it("sorts in place exactly as Array.prototype.sort with compareStrings, at every length", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 4 }), { maxLength: 40 }), (values) => {
        const expected = [...values].sort(compareStrings);
        const copy = [...values];
        expect(sortStrings(copy)).toBe(copy);
        expect(copy).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("sorts by UTF-16 code units, not locale", () => {
    expect(sortStrings(["b", "B", "a", "é", "Z"])).toEqual(["B", "Z", "a", "b", "é"]);
  });
});

/** stableStringify as it was first written: a sorted copy of everything. */
function referenceStringify(value: unknown, indent?: number): string {
  const copy = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(copy);
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v).sort(compareStrings)) {
        const x = (v as Record<string, unknown>)[key];
        if (x !== undefined) out[key] = copy(x);
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(copy(value), null, indent);
}

describe("stableStringify", () => {
  it("prints what a sorted copy of everything prints, with or without copying", () => {
    const key = fc.string({ maxLength: 3 }).filter((k) => k !== "__proto__");
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof(
        { depthSize: "small" },
        fc.constantFrom(null, undefined, true, 0, -1.5, "", "x"),
        fc.array(tie("tree"), { maxLength: 4 }),
        fc.dictionary(key, tie("tree"), { maxKeys: 5 }),
      ),
    }));
    fc.assert(
      fc.property(tree, fc.constantFrom(undefined, 2), (value, indent) => {
        expect(stableStringify(value, indent)).toBe(referenceStringify(value, indent));
      }),
      { numRuns: 1000 },
    );
  });

  it("prints non-plain objects and __proto__ keys as the sorted copy did", () => {
    const date = new Date(0);
    const parsed = JSON.parse('{"__proto__": {"a": 1}, "b": 2}') as unknown;
    for (const value of [date, { a: date }, parsed, [parsed], new Map([["a", 1]])]) {
      expect(stableStringify(value)).toBe(referenceStringify(value));
    }
  });

  it("sorts keys at every level and leaves sorted input as it is", () => {
    expect(stableStringify({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}',
    );
  });
});
