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

/**
 * `value` with the keys of every object sorted. Arrays and objects that need no change are
 * returned as they are (JSON.stringify prints an object's keys in its own order, which is then
 * sorted already, and leaves out undefined values either way): a report's thousands of chains
 * and sorted maps are not copied.
 */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      const sorted = v !== null && typeof v === "object" ? sortKeys(v) : v;
      if (copy === undefined && sorted !== v) copy = value.slice(0, i);
      copy?.push(sorted);
    }
    return copy ?? value;
  }
  if (value && typeof value === "object") {
    const own = Object.keys(value);
    // only plain objects are reused: a Date or a class instance is copied into a plain object,
    // and an own "__proto__" key is dropped, as JSON of the sorted copy always did
    const proto = Object.getPrototypeOf(value);
    let sortedAlready = (proto === Object.prototype || proto === null) && !own.includes("__proto__");
    for (let i = 1; i < own.length && sortedAlready; i++) sortedAlready = own[i - 1]! <= own[i]!;
    const keys = sortedAlready ? own : sortStrings(own);
    const source = value as Record<string, unknown>;
    let out: Record<string, unknown> | undefined = sortedAlready ? undefined : {};
    for (let i = 0; i < keys.length; i++) {
      const v = source[keys[i]!];
      const sorted = v !== null && typeof v === "object" ? sortKeys(v) : v;
      if (out === undefined && sorted !== v) {
        out = {};
        for (let j = 0; j < i; j++) if (source[keys[j]!] !== undefined) out[keys[j]!] = source[keys[j]!];
      }
      if (out !== undefined && sorted !== undefined) out[keys[i]!] = sorted;
    }
    return out ?? value;
  }
  return value;
}
