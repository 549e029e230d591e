import { stableStringify } from "../util/sort.js";

/** Pretty JSON with sorted keys and a trailing newline: byte-identical for equal data. */
export function renderJson(value: unknown): string {
  return `${stableStringify(value, 2)}\n`;
}
