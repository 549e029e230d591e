/** Locale-free, byte-order string comparison (stable across machines and ICU versions). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Sorts `values` in place by compareStrings and returns it. Lists that are already sorted (most
 * manifest and JSON key lists) are only checked, and short ones are sorted by insertion, so
 * neither allocates: Array.prototype.sort allocates a work array per call, which over thousands
 * of small lists showed as megabytes of garbage in a cold run.
 */
export function sortStrings<T extends string>(values: T[]): T[] {
  const n = values.length;
  let i = 1;
  while (i < n && values[i - 1]! <= values[i]!) i++;
  if (i >= n) return values;
  if (n > 16) return values.sort(compareStrings);
  for (; i < n; i++) {
    const value = values[i]!;
    let j = i - 1;
    while (j >= 0 && values[j]! > value) {
      values[j + 1] = values[j]!;
      j--;
    }
    values[j + 1] = value;
  }
  return values;
}

/** A sorted, de-duplicated copy. */
export function sortedUnique<T extends string>(values: Iterable<T>): T[] {
  return [...new Set(values)].sort(compareStrings);
}

/** JSON with object keys sorted at every level, so equal data always prints the same bytes. */
export function stableStringify(value: unknown, indent?: number): string {
  return JSON.stringify(sortKeys(value), null, indent);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    const keys = sortStrings(Object.keys(value));
    for (let i = 0; i < keys.length; i++) {
      const v = (value as Record<string, unknown>)[keys[i]!];
      if (v !== undefined) out[keys[i]!] = sortKeys(v);
    }
    return out;
  }
  return value;
}
