import type { Config } from "@shipgraph/config-schema";
import type { NodeId } from "../types.js";
import { stableStringify } from "../util/sort.js";

const SECTIONS = [
  ["protos", "proto"],
  ["generators", "generator"],
  ["packages", "package"],
  ["images", "image"],
  ["targets", "target"],
] as const;

/**
 * The nodes whose declaration differs between the base's config and the head's: changed or
 * added entries. (Removed entries have no node at head.) Policy keys (`global`, `unowned`)
 * change how diffs are read, not what is built, so they touch nothing. Pure.
 */
export function changedDeclarations(base: Config, head: Config): Map<NodeId, string> {
  const changed = new Map<NodeId, string>();
  for (const [section, kind] of SECTIONS) {
    const before = base[section] as Record<string, unknown>;
    const after = head[section] as Record<string, unknown>;
    for (const [name, entry] of Object.entries(after)) {
      const previous = before[name];
      if (previous === undefined) changed.set(`${kind}:${name}`, `${section}.${name} was added`);
      else if (stableStringify(previous) !== stableStringify(entry)) {
        changed.set(`${kind}:${name}`, `${section}.${name} changed`);
      }
    }
  }
  return changed;
}
