/**
 * A dotenv file as build args: `KEY=value`, optional `export `, `#` comments, single- or
 * double-quoted values. Returns undefined when a line does not fit, so the caller counts the
 * whole file (sound). Pure.
 */
export function parseDotenv(text: string): Map<string, string> | undefined {
  const vars = new Map<string, string>();
  for (const raw of text.replace(/\r\n?/g, "\n").split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) return undefined;
    let value = m[2]!;
    if (/^"/.test(value)) {
      if (!/^"(?:[^"\\]|\\.)*"(\s+#.*)?$/.test(value)) return undefined;
      value = value
        .slice(1, value.lastIndexOf('"'))
        .replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    } else if (/^'/.test(value)) {
      if (!/^'[^']*'(\s+#.*)?$/.test(value)) return undefined;
      value = value.slice(1, value.lastIndexOf("'"));
    } else {
      value = value.replace(/\s+#.*$/, "").trim();
    }
    vars.set(m[1]!, value);
  }
  return vars;
}

/** The keys whose values differ between two dotenv texts; "unparseable" when either cannot be parsed. */
export function changedDotenvKeys(
  before: string | undefined,
  after: string | undefined,
): Set<string> | "unparseable" {
  const a = before === undefined ? new Map<string, string>() : parseDotenv(before);
  const b = after === undefined ? new Map<string, string>() : parseDotenv(after);
  if (!a || !b) return "unparseable";
  const keys = new Set<string>();
  for (const key of new Set([...a.keys(), ...b.keys()])) if (a.get(key) !== b.get(key)) keys.add(key);
  return keys;
}
