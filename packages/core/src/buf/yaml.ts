import jsYaml from "js-yaml";

/**
 * Marks a plain (unquoted) scalar that go-yaml, which buf decodes its files with, may resolve to
 * something other than a string: a boolean, null, a number, a timestamp, a merge key.
 */
const PLAIN = "\u0000";

/**
 * The plain scalars yaml.v3 may resolve to a non-string (resolve.go: true/True/TRUE, false…,
 * ~/null/Null/NULL, `<<`, and whatever starts like a number: digits, a sign, a dot for .inf/.nan,
 * timestamps). Broader than yaml.v3 is harmless: a marked scalar only differs from its quoted
 * twin.
 */
const NOT_A_STRING = /^(?:[-+.0-9].*|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|<<)$/s;

const plainScalar = new jsYaml.Type("tag:shipgraph.invalid,2026:buf-plain", {
  kind: "scalar",
  resolve: (data: unknown) => typeof data === "string" && NOT_A_STRING.test(data),
  construct: (data: string) => `${PLAIN}${data}`,
});

const SCHEMA = jsYaml.FAILSAFE_SCHEMA.extend({ implicit: [plainScalar] });

/**
 * A buf file (buf.yaml, buf.work.yaml, a generation template) as data, for comparing two versions:
 * every scalar its text, as YAML's failsafe schema reads it (`18.0` is not `18`, `True` not
 * `true`), except that a plain scalar yaml.v3 may resolve to a non-string keeps its plainness
 * (PLAIN): buf decodes `include_imports: true` as a boolean but rejects `"true"` there, reads
 * `opt: ~` as no option and `opt: "~"` as the option `~`, rejects `opt: 1` and passes `"1"` (buf
 * 1.75). Throws on a tag or anything else the schema does not read: the caller counts the change.
 * Pure.
 */
export function bufYaml(text: string): unknown {
  return jsYaml.load(text, { schema: SCHEMA });
}

/** The text of a plain scalar bufYaml marked, undefined for anything else. Pure. */
export function plainText(value: unknown): string | undefined {
  return typeof value === "string" && value.startsWith(PLAIN) ? value.slice(PLAIN.length) : undefined;
}
