import { describe, expect, it } from "vitest";
import { formatKeyPath, parseKeyPath, parseYamlText } from "./parse.js";

describe("parseYamlText", () => {
  it("finds the line of a key path, falling back to the deepest part that exists", () => {
    const parsed = parseYamlText(
      "images:\n  api:\n    context: x\n    dependsOn:\n      - a\n      - b\n",
      "f.yaml",
    );
    expect(parsed.lineOf(["images", "api", "context"])).toBe(3);
    expect(parsed.lineOf(["images", "api", "dependsOn", 1])).toBe(6);
    expect(parsed.lineOf(["images", "api", "missing"])).toBe(2);
    // exact: all of it, or no line
    expect(parsed.lineOf(["images", "api", "dependsOn", 1], true)).toBe(6);
    expect(parsed.lineOf(["images", "api", "missing"], true)).toBeUndefined();
  });

  it("parses the key paths it formats back", () => {
    for (const path of [
      ["images", "api", "dependsOn", 0],
      ["packages", "@acme/auth", "inputs", 12],
      ["images", "web.v2", "dependsOn", 1],
      ["images", 'a"b\\c', "context"],
    ]) {
      expect(parseKeyPath(formatKeyPath(path))).toEqual(path);
    }
    expect(parseKeyPath("")).toBeUndefined();
    expect(parseKeyPath(".a")).toBeUndefined();
    expect(parseKeyPath("a..b")).toBeUndefined();
    expect(parseKeyPath("a[x]")).toBeUndefined();
  });

  it("rejects duplicate keys with the line", () => {
    expect(() => parseYamlText("a: 1\nb: 2\na: 3\n", "f.yaml")).toThrow(/^f.yaml:3: /);
  });

  it("formats key paths for messages", () => {
    expect(formatKeyPath(["packages", "@acme/auth", "dependsOn", 0])).toBe(
      'packages["@acme/auth"].dependsOn[0]',
    );
  });
});

describe("parseYamlText on broken aliases", () => {
  it("an alias to an undefined anchor is a CONFIG_PARSE error naming the file, not a crash", () => {
    expect(() => parseYamlText("a: *nowhere\n", "compose.yaml")).toThrow(
      expect.objectContaining({ code: "CONFIG_PARSE", message: expect.stringContaining("compose.yaml") }),
    );
  });
});

describe("parseYamlText where the two YAML readers disagree", () => {
  it("lineOf never throws, even when only js-yaml accepts the text", () => {
    // a comment glued to a quoted scalar: js-yaml reads it, `yaml` rejects it
    const parsed = parseYamlText('{ "a": "b"#c\n}\n', "x.json");
    expect(parsed.data).toEqual({ a: "b" });
    expect(() => parsed.lineOf(["a"])).not.toThrow();
  });
});
