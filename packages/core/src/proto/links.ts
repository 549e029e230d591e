import { isUnder } from "../util/paths.js";

/** What a change to one repository file changes in the proto modules through symbolic links. */
export interface ThroughLinks {
  /**
   * Module paths buf reads the file as → the link that makes it so: a .proto link whose chain
   * ends at the file or passes through it, or the file's place under a linked directory.
   */
  files: Map<string, string>;
  /**
   * Links to directories whose chain passes through the file (the link itself, or one it leads
   * to, retargeted): which .proto files lie under them at either side is not known.
   */
  relinked: string[];
}

/**
 * What a change to `path` changes in the modules through their symbolic links (`links`: link →
 * chain, see ShipGraph.protoLinks). A link ending in .proto stands for a file, any other for a
 * directory. Pure.
 */
export function throughProtoLinks(
  links: ReadonlyMap<string, readonly string[]> | undefined,
  path: string,
): ThroughLinks {
  const files = new Map<string, string>();
  const relinked: string[] = [];
  for (const [link, chain] of links ?? []) {
    const end = chain.at(-1)!;
    if (link.endsWith(".proto")) {
      if (chain.includes(path)) files.set(link, link);
    } else if (path === link || chain.slice(0, -1).includes(path)) relinked.push(link);
    else if (path !== end && isUnder(path, end) && path.endsWith(".proto"))
      files.set(linkedPath(link, end, path), link);
  }
  return { files, relinked };
}

/**
 * The .proto files buf reads under the modules' linked directories that git lists only at their
 * target (`files`: the snapshot's), each → the listed file it is. Pure.
 */
export function underLinkedDirs(
  links: ReadonlyMap<string, readonly string[]> | undefined,
  files: readonly string[],
): Map<string, string> {
  const out = new Map<string, string>();
  for (const [link, chain] of links ?? []) {
    if (link.endsWith(".proto")) continue;
    const end = chain.at(-1)!;
    for (const file of files) {
      if (file !== end && isUnder(file, end) && file.endsWith(".proto"))
        out.set(linkedPath(link, end, file), file);
    }
  }
  return out;
}

/** Where `file`, under `end` (a linked directory's target), lies under `link`. Pure. */
function linkedPath(link: string, end: string, file: string): string {
  return `${link}/${end === "" ? file : file.slice(end.length + 1)}`;
}
