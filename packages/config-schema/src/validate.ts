import { z } from "zod/v3";
import { type Config, ConfigSchema } from "./schema.js";

/** One problem found in a written config. `path` is the key path, e.g. ["images", "api", "dependson"]. */
export interface ConfigIssue {
  path: (string | number)[];
  message: string;
  /** What to do about it, e.g. 'did you mean "dependsOn"?'. */
  hint?: string;
}

export type ValidationResult = { ok: true; config: Config } | { ok: false; issues: ConfigIssue[] };

/** Validates a parsed config object against the schema. Never throws. */
export function validateConfig(input: unknown): ValidationResult {
  const parsed = ConfigSchema.safeParse(input ?? {});
  if (parsed.success) return { ok: true, config: parsed.data };
  const issues: ConfigIssue[] = [];
  for (const issue of parsed.error.issues) {
    const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(path);
      for (const key of issue.keys) {
        const suggestion = closest(key, known);
        issues.push({
          path: [...path, key],
          message: `unknown key "${key}"`,
          hint: suggestion
            ? `did you mean "${suggestion}"?`
            : `allowed keys here: ${known.length ? known.join(", ") : "(none)"}`,
        });
      }
      continue;
    }
    issues.push({ path, message: issue.message });
  }
  return { ok: false, issues };
}

/** The keys the schema allows at a key path (record keys are wildcards). */
export function knownKeysAt(path: readonly (string | number)[]): string[] {
  let schema: unknown = ConfigSchema;
  for (const segment of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject) schema = (schema.shape as Record<string, unknown>)[String(segment)];
    else if (schema instanceof z.ZodRecord) schema = schema.valueSchema;
    else if (schema instanceof z.ZodArray) schema = schema.element;
    else return [];
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape).sort() : [];
}

/** Through defaults, optionals and refinements to the schema underneath. */
function unwrap(schema: unknown): unknown {
  let current = schema;
  for (;;) {
    if (
      current instanceof z.ZodDefault ||
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable
    ) {
      current = current._def.innerType;
    } else if (current instanceof z.ZodEffects) {
      current = current._def.schema;
    } else {
      return current;
    }
  }
}

/** The candidate closest to `word` by edit distance (case-insensitive), if it is close enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}
