import { type Dirent, lstatSync, readdirSync, readFileSync, readlinkSync, type Stats } from "node:fs";
import { join } from "node:path";
import type { ShipGraph } from "../graph/build.js";
import { globBase } from "../graph/owners.js";
import type { RepoSnapshot } from "../repo/snapshot.js";
import type { GraphNode } from "../types.js";
import { compareStrings } from "../util/sort.js";
import { assertUtf8Name, sandboxGit } from "./sandbox.js";

/** The result of comparing generated outputs with the checked-in tree, sorted. */
export interface OutputComparison {
  /** In both, with different bytes. */
  modified: string[];
  /** Generated, not in the tree. */
  missing: string[];
  /** In the tree under the outputs, no longer generated. */
  stale: string[];
}

/**
 * A matcher for the generators' outputs: the files their `outputs` globs match, but for the files
 * each reads (OwnerIndex.outputsOf), which are never outputs.
 */
export function outputMatcher(graph: ShipGraph, generators: readonly GraphNode[]): (path: string) => boolean {
  const each = generators.map((node) => graph.owners.outputsOf(node.id));
  return each.length === 1 ? each[0]! : (path) => each.some((matches) => matches(path));
}

/** Files under `root` (repo-relative posix paths) that `matches`, found from the `outputs` globs' bases. (I/O) */
export function listGenerated(
  root: string,
  outputs: readonly string[],
  matches: (path: string) => boolean,
): string[] {
  const found = new Set<string>();
  for (const base of new Set(outputs.map(globBase))) {
    for (const path of walk(root, base)) if (matches(path)) found.add(path);
  }
  return [...found].sort(compareStrings);
}

function walk(root: string, dir: string): string[] {
  const out: string[] = [];
  let entries: Dirent[];
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    // the base does not exist (nothing generated there), or it is a file: an output named by its
    // path ("VERSION.txt", "gen/out/a.txt") is a generated file like any other
    let stats: Stats | undefined;
    try {
      stats = lstatSync(join(root, dir));
    } catch {
      stats = undefined;
    }
    return dir !== "" && stats !== undefined && !stats.isDirectory() ? [dir] : out;
  }
  for (const entry of entries) {
    const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
    assertUtf8Name(path, "the generator wrote");
    if (entry.isDirectory()) {
      if (entry.name === ".git" || entry.name === "node_modules") continue;
      out.push(...walk(root, path));
    } else {
      out.push(path);
    }
  }
  return out;
}

/** A generated or checked-in output: a file's bytes, or a symbolic link's target. */
interface Output {
  bytes: Buffer;
  link: boolean;
}

/** An output as a diff shows it: a link as the text of its target. Pure. */
function shown(output: Output): Buffer {
  return output.link ? Buffer.from(`symbolic link to ${output.bytes.toString("utf8")}\n`) : output.bytes;
}

/** A generated output in the sandbox: a link is compared as a link (its target), never followed. (I/O) */
function readGenerated(sandboxDir: string, path: string): Output {
  const abs = join(sandboxDir, path);
  if (lstatSync(abs).isSymbolicLink()) return { bytes: Buffer.from(readlinkSync(abs), "utf8"), link: true };
  return { bytes: readFileSync(abs), link: false };
}

/**
 * Compares generated files (in the sandbox) with the tree's files under the same outputs.
 * `treeFiles` are the tree's paths that match the outputs; `treeLinks` those of them that are
 * symbolic links, with their targets; `readTree` gives the others' bytes. A link equals only a
 * link with the same target. (I/O)
 */
export async function compareOutputs(
  sandboxDir: string,
  generated: readonly string[],
  treeFiles: readonly string[],
  treeLinks: ReadonlyMap<string, string>,
  readTree: (paths: readonly string[]) => Promise<Map<string, Buffer>>,
): Promise<OutputComparison & { contents: Map<string, { generated: Buffer; tree?: Buffer }> }> {
  const tree = new Map<string, Output>();
  for (const [path, bytes] of await readTree(treeFiles.filter((path) => !treeLinks.has(path)))) {
    tree.set(path, { bytes, link: false });
  }
  for (const [path, target] of treeLinks) tree.set(path, { bytes: Buffer.from(target, "utf8"), link: true });
  const generatedSet = new Set(generated);
  const modified: string[] = [];
  const missing: string[] = [];
  const contents = new Map<string, { generated: Buffer; tree?: Buffer }>();
  for (const path of generated) {
    const output = readGenerated(sandboxDir, path);
    const existing = tree.get(path);
    if (existing === undefined) {
      missing.push(path);
      contents.set(path, { generated: shown(output) });
    } else if (existing.link !== output.link || !existing.bytes.equals(output.bytes)) {
      modified.push(path);
      contents.set(path, { generated: shown(output), tree: shown(existing) });
    }
  }
  const stale = treeFiles.filter((path) => !generatedSet.has(path) && tree.has(path));
  return { modified, missing, stale: [...stale].sort(compareStrings), contents };
}

/**
 * Of the outputs whose bytes differ from the tree's, those git would store differently: a file
 * checked out with CRLF (.gitattributes `eol=crlf`, core.autocrlf) against the LF a generator
 * writes is the same blob, not drift. The tree's blob ids are the snapshot's; the generated
 * files' are `git hash-object` on the sandbox, under its .gitattributes. (I/O)
 */
export async function differInGit(
  snapshot: RepoSnapshot,
  sandboxDir: string,
  paths: readonly string[],
): Promise<string[]> {
  // (hash-object reads one path per line, and follows links: those stay as they compared)
  const hashable = paths.filter(
    (path) => !path.includes("\n") && !lstatSync(join(sandboxDir, path)).isSymbolicLink(),
  );
  if (hashable.length === 0) return [...paths];
  const [treeIds, out] = await Promise.all([
    snapshot.blobIds(hashable),
    sandboxGit(sandboxDir, ["hash-object", "--stdin-paths"], `${hashable.join("\n")}\n`),
  ]);
  const ids = out?.trim().split("\n") ?? [];
  if (ids.length !== hashable.length) return [...paths];
  const same = new Set(hashable.filter((path, i) => treeIds.get(path) === ids[i]));
  return paths.filter((path) => !same.has(path));
}
