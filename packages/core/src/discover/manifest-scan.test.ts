import { Buffer } from "node:buffer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEPENDENCY_FIELDS, type ManifestFacts, manifestFacts, scanManifest } from "./manifest-scan.js";

const utf8 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "utf8"));

/** What scanManifest must return: JSON.parse of the bytes decoded as readFileSync(path, "utf8") decodes them. */
function oracle(bytes: Uint8Array): ManifestFacts | undefined {
  const text = Buffer.from(bytes).toString("utf8");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) return undefined;
  return manifestFacts(data as Record<string, unknown>);
}

/** Scans the input, asserts it agrees with the oracle, and returns the scan for a concrete assertion. */
function scan(input: string | Uint8Array | number[]): ManifestFacts | undefined {
  const bytes =
    typeof input === "string" ? utf8(input) : input instanceof Uint8Array ? input : Uint8Array.from(input);
  const got = scanManifest(bytes);
  expect(got).toStrictEqual(oracle(bytes));
  return got;
}

const facts = (partial: Partial<ManifestFacts>): ManifestFacts => ({
  name: undefined,
  deps: [],
  bin: undefined,
  ...partial,
});
const withName = (json: string): string => `{"name": ${json}}`;
const bytesOf = (...parts: (string | number[])[]): number[] =>
  parts.flatMap((p) => (typeof p === "string" ? [...Buffer.from(p, "utf8")] : p));

describe("scanManifest: basic facts", () => {
  it("reads name, dependency fields in DEPENDENCY_FIELDS order and bin, skipping everything else", () => {
    const text = JSON.stringify(
      {
        name: "@acme/api",
        version: "1.0.0",
        scripts: { build: "tsc", test: "vitest" },
        peerDependencies: { react: "^18" },
        bin: { api: "./bin/api.js", "api-dev": "./bin/dev.js" },
        devDependencies: { typescript: "5.9.3", "@acme/tsconfig": "workspace:*" },
        dependencies: { "@acme/core": "workspace:^", zod: "^3" },
        config: { nested: [1, 2.5e-3, -0, true, false, null, { name: "not-me" }] },
      },
      null,
      2,
    );
    expect(scan(text)).toStrictEqual(
      facts({
        name: "@acme/api",
        deps: [
          {
            field: "dependencies",
            entries: [
              ["@acme/core", "workspace:^"],
              ["zod", "^3"],
            ],
          },
          {
            field: "devDependencies",
            entries: [
              ["typescript", "5.9.3"],
              ["@acme/tsconfig", "workspace:*"],
            ],
          },
          { field: "peerDependencies", entries: [["react", "^18"]] },
        ],
        bin: { kind: "keys", keys: ["api", "api-dev"] },
      }),
    );
  });

  it("an empty object, and fields of the wrong type", () => {
    expect(scan("{}")).toStrictEqual(facts({}));
    expect(scan(" \t\r\n{ \n }\r\n\t ")).toStrictEqual(facts({}));
    expect(scan('{"name": 1, "bin": 2, "dependencies": 3}')).toStrictEqual(facts({}));
    expect(scan('{"name": null, "bin": null, "dependencies": null}')).toStrictEqual(facts({}));
    expect(scan('{"name": ["x"], "bin": true}')).toStrictEqual(facts({}));
    expect(scan('{"name": {"name": "x"}}')).toStrictEqual(facts({}));
  });

  it("only top-level keys count", () => {
    expect(scan('{"a": {"name": "x", "dependencies": {"b": "1"}, "bin": "c"}}')).toStrictEqual(facts({}));
    expect(scan('{"a": [{"name": "x"}], "name": "y"}')).toStrictEqual(facts({ name: "y" }));
  });

  it("a top-level value that is not a plain object is undefined", () => {
    for (const text of ["[]", '[{"name": "x"}]', "null", "1", '"name"', "true", "false", "-0", "{} "]) {
      const expected = text === "{} " ? facts({}) : undefined;
      expect(scan(text)).toStrictEqual(expected);
    }
  });
});

describe("scanManifest: dependency fields and bin", () => {
  it("non-string dependency values are undefined (and still validated)", () => {
    expect(
      scan(
        '{"dependencies": {"a": 1, "b": null, "c": {"x": [1, {"y": "z"}]}, "d": "^1", "e": true, "f": []}}',
      ),
    ).toStrictEqual(
      facts({
        deps: [
          {
            field: "dependencies",
            entries: [
              ["a", undefined],
              ["b", undefined],
              ["c", undefined],
              ["d", "^1"],
              ["e", undefined],
              ["f", undefined],
            ],
          },
        ],
      }),
    );
    expect(scan('{"dependencies": {"a": {"x": 01}}}')).toBeUndefined();
  });

  it("arrays as dependency fields or bin give index keys", () => {
    expect(scan('{"optionalDependencies": ["a", 1, null, "b"], "bin": ["x", {"y": 2}]}')).toStrictEqual(
      facts({
        deps: [
          {
            field: "optionalDependencies",
            entries: [
              ["0", "a"],
              ["1", undefined],
              ["2", undefined],
              ["3", "b"],
            ],
          },
        ],
        bin: { kind: "keys", keys: ["0", "1"] },
      }),
    );
  });

  it("empty objects and arrays are truthy; null, false, 0, '', true and strings are not objects", () => {
    expect(scan('{"dependencies": {}, "devDependencies": [], "bin": {}}')).toStrictEqual(
      facts({
        deps: [
          { field: "dependencies", entries: [] },
          { field: "devDependencies", entries: [] },
        ],
        bin: { kind: "keys", keys: [] },
      }),
    );
    expect(scan('{"bin": [ ]}')).toStrictEqual(facts({ bin: { kind: "keys", keys: [] } }));
    for (const value of ["null", "false", "0", '""', "true", '"x"', "-1.5", "1e3"]) {
      const text = `{"dependencies": ${value}, "devDependencies": ${value}, "optionalDependencies": ${value}, "peerDependencies": ${value}}`;
      expect(scan(text)).toStrictEqual(facts({}));
    }
  });

  it("bin as a string (even empty) and as other scalars", () => {
    expect(scan('{"bin": "./cli.js"}')).toStrictEqual(facts({ bin: { kind: "string" } }));
    expect(scan('{"bin": ""}')).toStrictEqual(facts({ bin: { kind: "string" } }));
    expect(scan('{"bin": "\\u0000\\n"}')).toStrictEqual(facts({ bin: { kind: "string" } }));
    expect(scan('{"bin": "a\\q"}')).toBeUndefined();
    for (const value of ["null", "false", "0", "true", "12"])
      expect(scan(`{"bin": ${value}}`)).toStrictEqual(facts({}));
  });
});

describe("scanManifest: duplicate keys and key order", () => {
  it("a later top-level name or field replaces the earlier one", () => {
    expect(scan('{"name": "a", "name": "b"}')).toStrictEqual(facts({ name: "b" }));
    expect(scan('{"name": "a", "name": 1}')).toStrictEqual(facts({}));
    expect(scan('{"name": 1, "name": "a"}')).toStrictEqual(facts({ name: "a" }));
    expect(
      scan(
        '{"dependencies": {"a": "1", "b": "2"}, "devDependencies": {"x": "1"}, "dependencies": {"c": "3"}}',
      ),
    ).toStrictEqual(
      facts({
        deps: [
          { field: "dependencies", entries: [["c", "3"]] },
          { field: "devDependencies", entries: [["x", "1"]] },
        ],
      }),
    );
    expect(scan('{"dependencies": {"a": "1"}, "dependencies": null}')).toStrictEqual(facts({}));
    expect(scan('{"dependencies": null, "dependencies": ["a"]}')).toStrictEqual(
      facts({ deps: [{ field: "dependencies", entries: [["0", "a"]] }] }),
    );
    expect(scan('{"bin": {"a": 1}, "bin": "x"}')).toStrictEqual(facts({ bin: { kind: "string" } }));
    expect(scan('{"bin": "x", "bin": 0}')).toStrictEqual(facts({}));
    expect(scan('{"bin": "x", "bin": ["y"]}')).toStrictEqual(facts({ bin: { kind: "keys", keys: ["0"] } }));
  });

  it("a duplicate key inside an object keeps its first position and its last value", () => {
    expect(scan('{"dependencies": {"a": "1", "b": "2", "a": "3", "c": "4", "b": 5}}')).toStrictEqual(
      facts({
        deps: [
          {
            field: "dependencies",
            entries: [
              ["a", "3"],
              ["b", undefined],
              ["c", "4"],
            ],
          },
        ],
      }),
    );
    expect(scan('{"bin": {"x": "1", "y": "2", "x": "3"}}')).toStrictEqual(
      facts({ bin: { kind: "keys", keys: ["x", "y"] } }),
    );
    // Escaped and raw spellings of the same key are the same key.
    expect(scan('{"dependencies": {"ab": "1", "c": "2", "a\\u0062": "3"}}')).toStrictEqual(
      facts({
        deps: [
          {
            field: "dependencies",
            entries: [
              ["ab", "3"],
              ["c", "2"],
            ],
          },
        ],
      }),
    );
  });

  it("duplicates among many keys (past the linear search)", () => {
    const keys = Array.from({ length: 40 }, (_, k) => `pkg-${k}`);
    const members = [...keys.map((k) => `"${k}": "v1"`), `"pkg-3": "v2"`, `"pkg-39": 7`, `"extra": "e"`];
    const result = scan(`{"devDependencies": {${members.join(", ")}}, "bin": {${members.join(", ")}}}`);
    const entries = keys.map((k): [string, string | undefined] => [k, "v1"]);
    entries[3] = ["pkg-3", "v2"];
    entries[39] = ["pkg-39", undefined];
    entries.push(["extra", "e"]);
    expect(result).toStrictEqual(
      facts({
        deps: [{ field: "devDependencies", entries }],
        bin: { kind: "keys", keys: [...keys, "extra"] },
      }),
    );
  });

  it("array-index keys come first in ascending order, then the others in insertion order", () => {
    const text =
      '{"dependencies": {"b": "1", "4294967295": "2", "4294967294": "3", "10": "4", "2": "5", "01": "6", "-0": "7", "0": "8", "1.0": "9", "b": "10", " 1": "11", "\\u0031": "12"}}';
    expect(scan(text)).toStrictEqual(
      facts({
        deps: [
          {
            field: "dependencies",
            entries: [
              ["0", "8"],
              ["1", "12"],
              ["2", "5"],
              ["10", "4"],
              ["4294967294", "3"],
              ["b", "10"],
              ["4294967295", "2"],
              ["01", "6"],
              ["-0", "7"],
              ["1.0", "9"],
              [" 1", "11"],
            ],
          },
        ],
      }),
    );
    expect(scan('{"bin": {"z": 1, "10": 2, "a": 3, "9": 4, "99999999999": 5}}')).toStrictEqual(
      facts({ bin: { kind: "keys", keys: ["9", "10", "z", "a", "99999999999"] } }),
    );
  });

  it('"__proto__" is an ordinary own key', () => {
    expect(scan('{"dependencies": {"__proto__": "1", "a": "2", "__proto__": "3"}}')).toStrictEqual(
      facts({
        deps: [
          {
            field: "dependencies",
            entries: [
              ["__proto__", "3"],
              ["a", "2"],
            ],
          },
        ],
      }),
    );
    expect(scan('{"bin": {"__proto__": {}}}')).toStrictEqual(
      facts({ bin: { kind: "keys", keys: ["__proto__"] } }),
    );
    // A top-level "__proto__" does not become the prototype, so its name is not inherited.
    expect(scan('{"__proto__": {"name": "x", "bin": "y"}}')).toStrictEqual(facts({}));
    expect(scan('{"__proto__": null, "name": "x"}')).toStrictEqual(facts({ name: "x" }));
  });
});

describe("scanManifest: the JSON grammar", () => {
  it("whitespace is only space, tab, newline and carriage return", () => {
    expect(scan('\t\n\r {\t"name"\n:\r"a"  ,"bin" : "b"\n}\n\n')).toStrictEqual(
      facts({ name: "a", bin: { kind: "string" } }),
    );
    for (const ws of ["\f", "\v", "\u00a0", "\u2028", "\u2029", "\ufeff", "\u3000", "\u0000"]) {
      expect(scan(`{"name":${ws}"a"}`)).toBeUndefined();
      expect(scan(`${ws}{}`)).toBeUndefined();
      expect(scan(`{}${ws}`)).toBeUndefined();
    }
  });

  it("empty input, whitespace only, and trailing garbage are errors", () => {
    for (const text of [
      "",
      " ",
      "\n\t",
      "{",
      "}",
      "{}}",
      "{}{}",
      "{},",
      "{} x",
      "{}\u0000",
      '{"name":"a"}"',
      "{]",
    ]) {
      expect(scan(text)).toBeUndefined();
    }
  });

  it("numbers follow -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?", () => {
    for (const num of [
      "0",
      "-0",
      "7",
      "-12",
      "1.5",
      "0.0",
      "1e5",
      "1E+5",
      "1e-05",
      "-0.5E-0",
      "123456789012345678901234567890",
      "1e999",
    ]) {
      expect(scan(`{"a": ${num}, "name": "ok"}`)).toStrictEqual(facts({ name: "ok" }));
      expect(scan(`{"a": [${num}], "name": "ok"}`)).toStrictEqual(facts({ name: "ok" }));
    }
    for (const num of [
      "01",
      "-01",
      "1.",
      ".5",
      "+1",
      "-",
      "1e",
      "1e+",
      "1.e5",
      "0x1",
      "Infinity",
      "-Infinity",
      "NaN",
      "1_000",
      "1,",
      "--1",
      "1.5.5",
      "1e5e5",
      "00",
    ]) {
      expect(scan(`{"a": ${num}, "name": "ok"}`)).toBeUndefined();
      expect(scan(`{"a": [${num}], "name": "ok"}`)).toBeUndefined();
    }
    expect(scan('{"a": 1')).toBeUndefined();
    expect(scan('{"a": -')).toBeUndefined();
    expect(scan('{"a": 1.')).toBeUndefined();
    expect(scan('{"a": 1e')).toBeUndefined();
  });

  it("literals are exactly true, false and null", () => {
    expect(scan('{"a": [true, false, null], "b": true, "c": false, "d": null}')).toStrictEqual(facts({}));
    for (const lit of ["tru", "True", "truex", "nul", "NULL", "fals", "falsey", "undefined", "t", "nulll"]) {
      expect(scan(`{"a": ${lit}}`)).toBeUndefined();
      expect(scan(`{"a": [${lit}]}`)).toBeUndefined();
    }
    expect(scan('{"a": tr')).toBeUndefined();
    expect(scan('{"a": fals')).toBeUndefined();
  });

  it("structural errors", () => {
    for (const text of [
      '{"a" 1}',
      '{"a": 1,}',
      '{"a": [1,]}',
      '{"a": [,1]}',
      '{,"a": 1}',
      '{"a": 1 "b": 2}',
      '{"a": {"b" 1}}',
      '{"a": {1: 2}}',
      "{a: 1}",
      "{'a': 1}",
      '{"a": [1 2]}',
      '{"a": [}',
      '{"a": {]}',
      '{"a": {"b": 1]}',
      '{"a": ["b"}',
      '{"a":: 1}',
      '{"a": 1}/* c */',
      '{"a": 1 // c\n}',
      '{"dependencies": {"a": "1",}}',
      '{"dependencies": {"a" "1"}}',
      '{"dependencies": ["a",]}',
      '{"dependencies": ["a" "b"]}',
      '{"bin": {"a": }}',
      '{"bin": [1,,2]}',
    ]) {
      expect(scan(text)).toBeUndefined();
    }
  });

  it('string escapes: only \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX in any case', () => {
    expect(scan(withName('"a\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti"'))).toStrictEqual(
      facts({ name: 'a"b\\c/d\be\ff\ng\rh\ti' }),
    );
    expect(scan(withName('"\\u0041\\u00e9\\u00C9\\uABcd\\u20ac\\ud83d\\ude00"'))).toStrictEqual(
      facts({ name: "A\u00e9\u00c9\uabcd\u20ac\u{1f600}" }),
    );
    for (const bad of [
      "\\a",
      "\\x41",
      "\\u12",
      "\\u12G4",
      "\\U0041",
      "\\'",
      "\\0",
      "\\u",
      "\\u004",
      "\\ ",
      "\\\n",
    ]) {
      expect(scan(withName(`"x${bad}y"`))).toBeUndefined();
      expect(scan(`{"a": ["x${bad}y"]}`)).toBeUndefined();
    }
    expect(scan(withName('"\\'))).toBeUndefined();
    expect(scan(withName('"\\u00'))).toBeUndefined();
    expect(scan(withName('"\\u0041'))).toBeUndefined();
  });

  it("lone surrogates written as \\u escapes are kept", () => {
    expect(scan(withName('"\\ud800"'))).toStrictEqual(facts({ name: "\ud800" }));
    expect(scan(withName('"a\\uDFFFb\\uD800"'))).toStrictEqual(facts({ name: "a\udfffb\ud800" }));
    expect(scan('{"dependencies": {"\\udc00": "\\ud83d"}}')).toStrictEqual(
      facts({ deps: [{ field: "dependencies", entries: [["\udc00", "\ud83d"]] }] }),
    );
  });

  it("raw control characters are errors inside strings; DEL is not", () => {
    for (let c = 0; c < 0x20; c++) {
      expect(scan(bytesOf('{"name": "a', [c], 'b"}'))).toBeUndefined();
      expect(scan(bytesOf('{"x', [c], '": 1}'))).toBeUndefined();
    }
    expect(scan(bytesOf('{"name": "a', [0x7f], 'b"}'))).toStrictEqual(facts({ name: "a\u007fb" }));
  });

  it("an unterminated string is an error", () => {
    for (const text of ['{"name": "a', '{"name', '{"a": "b', '{"dependencies": {"a": "b', '{"bin": "x']) {
      expect(scan(text)).toBeUndefined();
    }
  });

  it("escaped top-level keys are matched on their value", () => {
    expect(
      scan(
        '{"n\\u0061me": "x", "\\u0062in": "y", "dep\\u0065ndencies": {"a": "1"}, "peer\\u0044ependencies": []}',
      ),
    ).toStrictEqual(
      facts({
        name: "x",
        deps: [
          { field: "dependencies", entries: [["a", "1"]] },
          { field: "peerDependencies", entries: [] },
        ],
        bin: { kind: "string" },
      }),
    );
    // Near misses are other keys.
    expect(
      scan('{"Name": "x", "name ": "y", "nam": "z", "names": "w", "bins": "v", "dependencie": {}}'),
    ).toStrictEqual(facts({}));
    expect(scan('{"n\\u0041me": "x", "name\\u0000": "y"}')).toStrictEqual(facts({}));
  });
});

describe("scanManifest: bytes >= 0x80", () => {
  it("UTF-8 inside strings is decoded", () => {
    expect(
      scan('{"name": "caf\u00e9 \u20ac \u{1f600}", "dependencies": {"\u00fc": "\u{10ffff}"}}'),
    ).toStrictEqual(
      facts({
        name: "caf\u00e9 \u20ac \u{1f600}",
        deps: [{ field: "dependencies", entries: [["\u00fc", "\u{10ffff}"]] }],
      }),
    );
    expect(scan('{"name": "\u00e9\\n\u00e9"}')).toStrictEqual(facts({ name: "\u00e9\n\u00e9" }));
  });

  it("invalid UTF-8 inside strings becomes U+FFFD, as readFileSync(path, 'utf8') decodes it", () => {
    const cases: [number[], string][] = [
      [[0xff], "\ufffd"],
      [[0x80], "\ufffd"],
      [[0xc3], "\ufffd"],
      [[0xe2, 0x82], "\ufffd"],
      [[0xf0, 0x9f, 0x98], "\ufffd"],
      [[0xc0, 0xaf], "\ufffd\ufffd"],
      [[0xed, 0xa0, 0x80], "\ufffd\ufffd\ufffd"],
      [[0xe2, 0x41], "\ufffdA"],
    ];
    for (const [raw, decoded] of cases) {
      expect(scan(bytesOf('{"name": "', raw, '"}'))).toStrictEqual(facts({ name: decoded }));
      expect(scan(bytesOf('{"name": "', raw, '\\t"}'))).toStrictEqual(facts({ name: `${decoded}\t` }));
      expect(scan(bytesOf('{"bin": {"', raw, '": 1}}'))).toStrictEqual(
        facts({ bin: { kind: "keys", keys: [decoded] } }),
      );
      // An incomplete sequence before a quote does not swallow the quote.
      expect(scan(bytesOf('{"a": "', raw, '", "name": "n"}'))).toStrictEqual(facts({ name: "n" }));
    }
  });

  it("bytes >= 0x80 outside strings are errors, and so is a BOM", () => {
    for (const raw of [[0x80], [0xff], [0xc2, 0xa0], [0xe2, 0x80, 0xa8], [0xef, 0xbb, 0xbf], [0xc3]]) {
      expect(scan(bytesOf(raw, "{}"))).toBeUndefined();
      expect(scan(bytesOf("{}", raw))).toBeUndefined();
      expect(scan(bytesOf('{"name":', raw, '"x"}'))).toBeUndefined();
      expect(scan(bytesOf('{"a": [1', raw, "]}"))).toBeUndefined();
    }
    expect(scan(bytesOf([0xef, 0xbb, 0xbf], '{"name": "x"}'))).toBeUndefined();
  });
});

describe("scanManifest: deep nesting", () => {
  const depth = 200_000;
  const deepArray = `${"[".repeat(depth)}${"]".repeat(depth)}`;
  const deepObject = `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

  it("validates very deep values without recursion", () => {
    expect(scan(`{"scripts": ${deepArray}, "name": "deep"}`)).toStrictEqual(facts({ name: "deep" }));
    expect(scan(`{"config": ${deepObject}, "name": "deep"}`)).toStrictEqual(facts({ name: "deep" }));
    expect(scan(`{"dependencies": {"a": ${deepObject}, "b": "1"}, "bin": [${deepArray}]}`)).toStrictEqual(
      facts({
        deps: [
          {
            field: "dependencies",
            entries: [
              ["a", undefined],
              ["b", "1"],
            ],
          },
        ],
        bin: { kind: "keys", keys: ["0"] },
      }),
    );
  });

  it("unbalanced or broken deep values are errors", () => {
    expect(scan(`{"scripts": ${deepArray.slice(1)}}`)).toBeUndefined();
    expect(scan(`{"scripts": ${deepArray.slice(0, -1)}}`)).toBeUndefined();
    expect(scan(`{"config": ${deepObject.slice(0, -1)}}`)).toBeUndefined();
    expect(scan(`{"config": ${deepObject.replace("1}", "1]")}}`)).toBeUndefined();
    expect(scan(`{"config": ${"[".repeat(depth)}${"}".repeat(depth)}}`)).toBeUndefined();
  });
});

describe("scanManifest: input views", () => {
  it("reads a Uint8Array view into a larger buffer", () => {
    const text = '{"name": "view", "bin": {"v": "x"}}';
    const inner = Buffer.from(text, "utf8");
    const outer = Buffer.concat([
      Buffer.from('{"name": "before"} garbage "'),
      inner,
      Buffer.from('" more {'),
    ]);
    const start = outer.indexOf(inner);
    const view = new Uint8Array(outer.buffer, outer.byteOffset + start, inner.length);
    expect(view.byteOffset).toBeGreaterThan(0);
    expect(scan(view)).toStrictEqual(facts({ name: "view", bin: { kind: "keys", keys: ["v"] } }));
    // The same through a Buffer and through subarray.
    expect(scanManifest(outer.subarray(start, start + inner.length))).toStrictEqual(
      facts({ name: "view", bin: { kind: "keys", keys: ["v"] } }),
    );
    // A view that stops inside the document does not read past its end.
    expect(scan(view.subarray(0, view.length - 1))).toBeUndefined();
    expect(scan(new Uint8Array(outer.buffer, outer.byteOffset + start + 1, 4))).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------------
// Property tests: documents built from an AST so duplicates, escapes and odd whitespace can appear.

type Json =
  | { t: "str"; v: string }
  | { t: "raw"; text: string }
  | { t: "arr"; items: Json[] }
  | { t: "obj"; members: [string, Json][] };

const KEY_POOL = [
  "name",
  "bin",
  ...DEPENDENCY_FIELDS,
  "dependencies",
  "__proto__",
  "0",
  "1",
  "10",
  "01",
  "4294967294",
  "4294967295",
  "a",
  "",
  "version",
  "\u00e9",
];
const CHAR_POOL = ["a", "b", "0", "1", " ", '"', "\\", "/", "\n", "\u0000", "\u001f", "\u007f", "\u00e9"];
const charArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...CHAR_POOL) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("\u20ac", "\u{1f600}", "\u2028", "\ufeff", "\ud800", "\udfff", "\ufffd"),
  },
  { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
);
const stringArb = fc.string({ unit: charArb, maxLength: 8 });
const keyArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...KEY_POOL) },
  { weight: 1, arbitrary: stringArb },
);
const NUMBERS = ["0", "-0", "1", "-12", "3.25", "1e5", "1E-7", "-0.0e+0", "123456789012345678901234567890"];
const scalarArb: fc.Arbitrary<Json> = fc.oneof(
  stringArb.map((v): Json => ({ t: "str", v })),
  fc.constantFrom(...NUMBERS, "true", "false", "null").map((text): Json => ({ t: "raw", text })),
  fc
    .double({ noNaN: true, noDefaultInfinity: true })
    .map((d): Json => ({ t: "raw", text: JSON.stringify(d) })),
);
const { value: valueArb } = fc.letrec<{ value: Json; arr: Json; obj: Json }>((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalarArb, tie("arr"), tie("obj")),
  arr: fc.array(tie("value"), { maxLength: 4 }).map((items): Json => ({ t: "arr", items })),
  obj: fc
    .array(fc.tuple(keyArb, tie("value")), { maxLength: 5 })
    .map((members): Json => ({ t: "obj", members })),
}));
/** Values for the wanted fields: mostly objects of strings, sometimes anything. */
const fieldValueArb: fc.Arbitrary<Json> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .array(fc.tuple(keyArb, fc.oneof(scalarArb, valueArb)), { maxLength: 6 })
      .map((members): Json => ({ t: "obj", members })),
  },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.oneof(scalarArb, valueArb), { maxLength: 4 })
      .map((items): Json => ({ t: "arr", items })),
  },
  { weight: 2, arbitrary: scalarArb },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Json>(
      { t: "raw", text: "null" },
      { t: "raw", text: "false" },
      { t: "raw", text: "0" },
      { t: "str", v: "" },
    ),
  },
  { weight: 1, arbitrary: valueArb },
);
const manifestArb: fc.Arbitrary<Json> = fc
  .array(fc.tuple(keyArb, fieldValueArb), { maxLength: 8 })
  .map((members): Json => ({ t: "obj", members }));

/** A small deterministic PRNG, so a failing case reproduces from fast-check's seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "/": "\\/",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** Serialises the AST with random whitespace and random (valid) escapes. */
function render(node: Json, random: () => number): string {
  const ws = (): string => {
    if (random() < 0.6) return "";
    let s = "";
    for (let k = 1 + Math.floor(random() * 3); k > 0; k--) s += " \t\n\r"[Math.floor(random() * 4)];
    return s;
  };
  const str = (v: string): string => {
    let out = '"';
    for (let k = 0; k < v.length; k++) {
      const ch = v[k]!;
      const code = v.charCodeAt(k);
      const mustEscape = ch === '"' || ch === "\\" || code < 0x20;
      if (mustEscape || random() < 0.15) {
        const short = SHORT_ESCAPES[ch];
        if (short !== undefined && random() < 0.5) out += short;
        else {
          const hex = code.toString(16).padStart(4, "0");
          out += `\\u${random() < 0.5 ? hex : hex.toUpperCase()}`;
        }
      } else out += ch;
    }
    return `${out}"`;
  };
  const go = (n: Json): string => {
    switch (n.t) {
      case "str":
        return str(n.v);
      case "raw":
        return n.text;
      case "arr":
        return `[${ws()}${n.items.map((item) => `${go(item)}${ws()}`).join(`,${ws()}`)}]`;
      case "obj":
        return `{${ws()}${n.members.map(([k, v]) => `${str(k)}${ws()}:${ws()}${go(v)}${ws()}`).join(`,${ws()}`)}}`;
    }
  };
  return `${ws()}${go(node)}${ws()}`;
}

const REALISTIC = [
  JSON.stringify(
    {
      name: "@acme/x-123",
      version: "1.0.0",
      private: true,
      type: "module",
      main: "./dist/index.js",
      scripts: { build: "tsc -p tsconfig.json", test: "node --test dist" },
      dependencies: { "@acme/a-1": "workspace:*", "@acme/b-2": "workspace:^", lodash: "^4.17.21" },
      devDependencies: { typescript: "5.9.3" },
      bin: { x: "./bin/x.js" },
    },
    null,
    2,
  ),
  '{"name":"t","bin":"./t.js","peerDependencies":{"react":">=18"},"optionalDependencies":["fsevents"]}',
];

const MUTATION_BYTES = [
  0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x1f, 0x20, 0x22, 0x2c, 0x2d, 0x2e, 0x30, 0x31, 0x3a, 0x45, 0x5b, 0x5c, 0x5d,
  0x65, 0x6e, 0x74, 0x75, 0x7b, 0x7d, 0x7f, 0x80, 0xbf, 0xc3, 0xe2, 0xed, 0xef, 0xf0, 0xff,
];
const byteArb = fc.oneof(fc.constantFrom(...MUTATION_BYTES), fc.integer({ min: 0, max: 255 }));
const mutationArb = fc.record({
  op: fc.constantFrom("delete", "insert", "replace"),
  at: fc.nat(),
  byte: byteArb,
});

function mutate(bytes: Uint8Array, mutations: { op: string; at: number; byte: number }[]): Uint8Array {
  const out = [...bytes];
  for (const { op, at, byte } of mutations) {
    const pos = at % (out.length + 1);
    if (op === "insert") out.splice(pos, 0, byte);
    else if (pos < out.length) {
      if (op === "delete") out.splice(pos, 1);
      else out[pos] = byte;
    }
  }
  return Uint8Array.from(out);
}

describe("scanManifest: properties against JSON.parse + manifestFacts", () => {
  it("AST-built manifests with random whitespace, escapes and duplicate keys", () => {
    fc.assert(
      fc.property(manifestArb, fc.integer(), (ast, seed) => {
        const bytes = utf8(render(ast, prng(seed)));
        const got = scanManifest(bytes);
        expect(got).not.toBeUndefined();
        expect(got).toStrictEqual(oracle(bytes));
      }),
      { numRuns: 1500 },
    );
  });

  it("fc.json() values wrapped into manifests and JSON.stringify-ed objects", () => {
    const wrapped = fc
      .array(fc.tuple(keyArb, fc.json({ maxDepth: 3 })), { maxLength: 6 })
      .map((members) => `{${members.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`);
    const stringified = fc
      .tuple(
        fc.dictionary(keyArb, fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.dictionary(keyArb, fc.string()))),
        fc.constantFrom(undefined, 2, "\t"),
      )
      .map(([value, indent]) => JSON.stringify(value, null, indent));
    fc.assert(
      fc.property(fc.oneof(wrapped, stringified), (text) => {
        const bytes = utf8(text);
        const got = scanManifest(bytes);
        expect(got).toStrictEqual(manifestFacts(JSON.parse(text)));
        expect(got).toStrictEqual(oracle(bytes));
      }),
      { numRuns: 800 },
    );
  });

  it("whole fc.json() documents (objects or not)", () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 3 }), (text) => {
        const bytes = utf8(text);
        expect(scanManifest(bytes)).toStrictEqual(oracle(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it("random byte mutations of valid manifests agree on the verdict and the facts", () => {
    const baseArb = fc.oneof(
      {
        weight: 3,
        arbitrary: fc.tuple(manifestArb, fc.integer()).map(([ast, seed]) => render(ast, prng(seed))),
      },
      { weight: 1, arbitrary: fc.constantFrom(...REALISTIC) },
    );
    let rejected = 0;
    fc.assert(
      fc.property(baseArb, fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (text, mutations) => {
        const bytes = mutate(utf8(text), mutations);
        const got = scanManifest(bytes);
        if (got === undefined) rejected++;
        expect(got).toStrictEqual(oracle(bytes));
      }),
      { numRuns: 4000 },
    );
    // The mutations exercise both verdicts.
    expect(rejected).toBeGreaterThan(400);
    expect(rejected).toBeLessThan(3900);
  });
});

describe("scanManifest: realistic workspace manifests", () => {
  it("agrees with JSON.parse on a corpus shaped like a large workspace", () => {
    const random = prng(42);
    const count = 500;
    for (let k = 0; k < count; k++) {
      const dependencies: Record<string, string> = {};
      for (let d = 4 + Math.floor(random() * 3); d > 0; d--) {
        dependencies[`@acme/${random() < 0.5 ? "a" : "b"}-${Math.floor(random() * 5000)}`] = "workspace:*";
      }
      const manifest = {
        name: `@acme/x-${k}`,
        version: "1.0.0",
        private: true,
        type: "module",
        main: "./dist/index.js",
        scripts: { build: "tsc -p tsconfig.json", test: "node --test dist" },
        dependencies,
        ...(k % 7 === 0 ? { bin: { [`x-${k}`]: "./dist/cli.js" } } : {}),
      };
      const text = JSON.stringify(manifest, null, 2);
      const got = scanManifest(utf8(text));
      expect(got).toStrictEqual(manifestFacts(JSON.parse(text)));
      expect(got?.name).toBe(`@acme/x-${k}`);
    }
  });
});
