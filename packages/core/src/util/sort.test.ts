import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareStrings, sortStrings } from "./sort.js";

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
