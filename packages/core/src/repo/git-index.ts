import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

/**
 * A reader for `.git/index`, so listing the tracked files that match a few path shapes does not
 * need `git ls-files` (on a 119,000-file repository git spends 130-150 ms reading, checksumming
 * and matching a 13 MB index; this spends a fraction of that).
 *
 * The rule: a listing is either exactly what `git ls-files --cached` prints or undefined, and
 * the caller runs git. Anything this reader does not fully understand (a split or sparse index,
 * a version or extension it does not know, any inconsistency in the file) is undefined, never a
 * guess: a missed file can silently skip a deploy. See Documentation/gitformat-index.txt.
 */

export interface IndexEntry {
  /** utf8-decoded, exactly as `git ls-files -z` prints it (repo-relative, "/" separators) */
  path: string;
  /** e.g. 0o100644, 0o100755, 0o120000 (symlink), 0o160000 (gitlink/submodule) */
  mode: number;
  /** lowercase hex object id */
  oid: string;
  stage: 0 | 1 | 2 | 3;
  /**
   * The skip-worktree bit: outside a sparse checkout's patterns, so the working tree does not hold
   * the file (whatever is there is not it); its content is the index's blob.
   */
  skipWorktree: boolean;
}

/**
 * Where the index file of the repository whose top level is `root` lives, or undefined when it
 * is not the plain case: GIT_INDEX_FILE, GIT_DIR, GIT_WORK_TREE or GIT_COMMON_DIR set in `env`
 * (even to ""), no usable `.git`, no index file. A `.git` file (linked worktree, submodule) is
 * followed: "gitdir: <path>" leads to <path>/index. (I/O)
 */
export function indexPath(root: string, env: NodeJS.ProcessEnv): string | undefined {
  const dirs = gitDirs(root, env);
  return dirs && isFile(join(dirs.gitDir, "index")) ? join(dirs.gitDir, "index") : undefined;
}

/**
 * Reads and parses the index of `root` (see indexPath and parseGitIndex; the hash size comes from
 * `extensions.objectformat` in the repository's config: sha256 → 32 bytes, else 20), or
 * undefined, then run git. The file is read through a small reused buffer rather than at once:
 * reading a 13 MB index into a fresh buffer took ~50 ms (page faults), in 256 KiB pieces ~2 ms. (I/O)
 */
/** What readGitIndex tells of the whole index, beyond the entries selected. */
export interface IndexInfo {
  skipWorktree: boolean;
  /** Given: the paths of the symbolic links (mode 120000) are added to it. */
  links?: string[];
}

export function readGitIndex(
  root: string,
  env: NodeJS.ProcessEnv,
  select: PathSelector,
  /**
   * Filled in: whether any entry of the whole index, selected or not, has the skip-worktree bit;
   * with `links`, the path of every symbolic link in it, selected or not (in index order).
   */
  info?: IndexInfo,
): IndexEntry[] | undefined {
  const dirs = gitDirs(root, env);
  if (dirs === undefined) return undefined;
  const hashSize = configHashSize(join(dirs.commonDir, "config"));
  if (hashSize === undefined) return undefined;
  let fd: number;
  let size: number;
  try {
    fd = openSync(join(dirs.gitDir, "index"), "r");
  } catch {
    return undefined;
  }
  try {
    try {
      const stats = fstatSync(fd);
      if (!stats.isFile()) return undefined;
      size = stats.size;
    } catch {
      return undefined;
    }
    const read: Reader = (target, at, length, position) => {
      try {
        return readSync(fd, target, at, length, position);
      } catch {
        return -1;
      }
    };
    return parseIndex(read, size, select, hashSize, WINDOW_BYTES, info);
  } finally {
    closeSync(fd);
  }
}

/**
 * The entries of a git index file (all stages), in index order (which is git's sorted order),
 * selected by `select`, which sees the raw path bytes (where they lie in the parser's reused
 * buffer: do not keep it) and returns true to include the entry, so paths not selected are never
 * copied or made strings.
 *
 * Undefined when the file is not something this parser fully understands, then run git:
 * - an unknown signature or version (2, 3 and 4 are read),
 * - a split index ("link" extension), a sparse index (a directory entry, mode 040000, or an
 *   "sdir" extension), any other required (lower-case) extension; optional ones are skipped,
 * - a mode other than a file's, an executable's, a symlink's or a gitlink's,
 * - the extended flag in version 2, extended flags other than skip-worktree and intent-to-add,
 * - any structural inconsistency: a name length that disagrees with the NUL, a version 4 prefix
 *   that strips more than the previous path, an entry running past the end, entries not ending
 *   exactly where the extensions + trailing checksum begin, an extension whose size runs past
 *   the end, a path over 64 KiB,
 * - a hash size that is not the file's (it shows as one of the above).
 * Entries flagged intent-to-add or skip-worktree are included (git ls-files lists them). The
 * trailing checksum is not verified (git does not either with index.skipHash; speed matters), nor
 * the content of version 2/3 padding (git ignores it too).
 *
 * `windowBytes`: the size of the buffer the file is parsed through (it grows for larger entries);
 * a parameter only so tests can put entries across its boundaries.
 */
export function parseGitIndex(
  bytes: Uint8Array,
  select: PathSelector,
  hashSize: 20 | 32,
  windowBytes: number = WINDOW_BYTES,
): IndexEntry[] | undefined {
  const read: Reader = (target, at, length, position) => {
    const n = Math.max(0, Math.min(length, bytes.length - position));
    target.set(bytes.subarray(position, position + n), at);
    return n;
  };
  return parseIndex(read, bytes.length, select, hashSize, windowBytes);
}

/**
 * A selector for paths that:
 * - end with one of `fileNames` at a "/" boundary or equal it ("package.json" selects
 *   "package.json" and "a/b/package.json", not "a/xpackage.json"), like ":(glob)**\/package.json",
 * - or end with one of `extensions` (".proto": any path whose last segment ends with ".proto",
 *   ".proto" itself included), like ":(glob)**\/*.proto",
 * - or equal one of `literals` or lie under it as a directory ("a/b" selects "a/b" and "a/b/c",
 *   not "a/bc"), like ":(literal)a/b". Literals are normalized repo-relative paths; "" and "."
 *   select everything, one ending in "/" selects only paths under it.
 * Strings are compared as UTF-8 bytes, case-sensitively.
 */
export function pathSelector(options: {
  fileNames?: readonly string[];
  extensions?: readonly string[];
  literals?: readonly string[];
}): PathSelector {
  const encoder = new TextEncoder();
  const fileNames = options.fileNames ?? [];
  const extensions = options.extensions ?? [];
  const literals = options.literals ?? [];
  // every path ends with "" (an extension) or lies under "" or "." (a literal)
  if (extensions.includes("") || literals.some((literal) => literal === "" || literal === ".")) {
    return () => true;
  }
  // Candidates by the byte a path must end with (suffixes) or start with (literals), so most
  // paths are rejected by one table look-up.
  const byLast: (Suffix[] | undefined)[] = new Array(256).fill(undefined);
  const byFirst: (Uint8Array[] | undefined)[] = new Array(256).fill(undefined);
  const filter = new Uint8Array(512);
  const suffixes = [
    ...fileNames.map((text) => ({ text, boundary: true })),
    ...extensions.map((text) => ({ text, boundary: false })),
  ];
  for (const { text, boundary } of suffixes) {
    const bytes = encoder.encode(text);
    if (bytes.length === 0) continue; // a file name "": no path ends with "/"
    const last = bytes[bytes.length - 1]!;
    byLast[last] = [...(byLast[last] ?? []), { bytes, boundary }];
    filter[last] = 1;
  }
  for (const literal of literals) {
    const bytes = encoder.encode(literal);
    byFirst[bytes[0]!] = [...(byFirst[bytes[0]!] ?? []), bytes];
    filter[256 + bytes[0]!] = 1;
  }
  const select: PathSelector = (path, start = 0, end = path.length) => {
    const n = end - start;
    if (n <= 0) return false;
    const ends = byLast[path[end - 1]!];
    if (ends !== undefined) {
      for (let i = 0; i < ends.length; i++) {
        const { bytes, boundary } = ends[i]!;
        const m = bytes.length;
        if (m > n) continue;
        let k = 2; // the last byte matched already
        while (k <= m && path[end - k] === bytes[m - k]) k++;
        if (k <= m) continue;
        if (!boundary || m === n || path[end - m - 1] === SLASH) return true;
      }
    }
    const starts = byFirst[path[start]!];
    if (starts !== undefined) {
      for (let i = 0; i < starts.length; i++) {
        const bytes = starts[i]!;
        const m = bytes.length;
        if (m > n) continue;
        let k = 1; // the first byte matched already
        while (k < m && path[start + k] === bytes[k]) k++;
        if (k < m) continue;
        if (m === n || bytes[m - 1] === SLASH || path[start + m] === SLASH) return true;
      }
    }
    return false;
  };
  // One call down each branch, so the engine has seen them all when it optimizes the parse loop:
  // otherwise the first path to take a new branch (the first under a literal, say) throws the
  // optimized code away and the loop runs unoptimized until it is compiled again.
  for (const { text } of suffixes) {
    for (const path of [text, `a${text}`, `a/${text}`, text.slice(1)]) select(encoder.encode(path));
  }
  for (const literal of literals) {
    for (const path of [literal, literal.slice(0, -1), `${literal}a`, `${literal}/a`])
      select(encoder.encode(path));
  }
  FILTERS.set(select, filter);
  return select;
}

/**
 * For selectors made by pathSelector: which last bytes ([0, 256)) and first bytes ([256, 512))
 * a selected path can have. The parser skips other entries (most) without copying their path or
 * calling the selector: on the 119k-file repository, ~9 instead of ~11 ms once optimized.
 */
const FILTERS = new WeakMap<PathSelector, Uint8Array>();

/**
 * Selects a path by its raw bytes: `path[start, end)` (by default all of `path`). The parser passes
 * its read buffer and where the path lies in it, so paths not selected are never copied.
 */
export type PathSelector = (path: Uint8Array, start?: number, end?: number) => boolean;
/** The filter of any other selector: every path is a candidate. */
const NO_FILTER = new Uint8Array(512).fill(1);

interface Suffix {
  bytes: Uint8Array;
  /** must be preceded by "/" or be the whole path (a file name, not an extension) */
  boundary: boolean;
}

const SLASH = 0x2f;
/** Where the file is parsed through: large enough that reads are few, small enough to stay cached. */
const WINDOW_BYTES = 1 << 18;
const MAX_WINDOW_BYTES = 1 << 26;
/** The longest path read (git allows longer ones; they fall back to git). */
const PATH_BYTES = 1 << 16;

const SIGNATURE = 0x44495243; // "DIRC"
const HEADER_BYTES = 12;
/** ctime s/ns, mtime s/ns, dev, ino, mode, uid, gid, size: 10 × uint32 */
const STAT_BYTES = 40;
const MODE_OFFSET = 24;
const FLAG_EXTENDED = 0x4000;
const EXTENDED_SKIP_WORKTREE = 0x4000;
const NAME_MASK = 0x0fff;
/** Extended flags other than skip-worktree (0x4000) and intent-to-add (0x2000): git dies on them. */
const UNKNOWN_EXTENDED = 0x9fff;
const MODE_FILE = 0o100644;
const MODE_EXECUTABLE = 0o100755;
const MODE_SYMLINK = 0o120000;
const MODE_GITLINK = 0o160000;
const EXTENSION_LINK = 0x6c696e6b; // "link": split index
const EXTENSION_SDIR = 0x73646972; // "sdir": sparse directory entries

/** Reads up to `length` bytes at file `position` into `target` at `at`: the count, 0 at the end, < 0 on error. */
type Reader = (target: Buffer, at: number, length: number, position: number) => number;

interface State {
  readonly version: number;
  readonly hashSize: number;
  readonly count: number;
  readonly select: PathSelector;
  /** see FILTERS */
  readonly filter: Uint8Array;
  readonly out: IndexEntry[];
  /** entries parsed so far */
  done: number;
  /** where the current path is kept in the window: its last PATH_BYTES bytes */
  pathAt: number;
  /** the current path's length (in version 4, the previous entry's path until the next is read) */
  pathLength: number;
  /** some entry so far has the skip-worktree bit */
  skipWorktree: boolean;
  /** when asked for: the symbolic links so far, selected or not */
  links: string[] | undefined;
}

function parseIndex(
  read: Reader,
  size: number,
  select: PathSelector,
  hashSize: number,
  windowBytes: number,
  info?: IndexInfo,
): IndexEntry[] | undefined {
  // The entries and the extensions end where the checksum begins; nothing is read past that.
  const dataEnd = size - hashSize;
  if (dataEnd < HEADER_BYTES) return undefined;
  let capacity = Math.max(64, Math.floor(windowBytes));
  let window = Buffer.allocUnsafe(capacity + PATH_BYTES);
  const fill = (at: number, length: number, position: number): boolean => {
    for (let got = 0; got < length; ) {
      const n = read(window, at + got, length - got, position + got);
      if (n <= 0) return false;
      got += n;
    }
    return true;
  };
  // window[0, filled) holds the file from `base`
  let base = 0;
  let filled = Math.min(capacity, dataEnd);
  if (!fill(0, filled, 0)) return undefined;
  if (window.readUInt32BE(0) !== SIGNATURE) return undefined;
  const version = window.readUInt32BE(4);
  if (version !== 2 && version !== 3 && version !== 4) return undefined;
  const count = window.readUInt32BE(8);
  // the smallest entry: stat data, object id, flags and two bytes (a name and its NUL, or in
  // version 4 a varint and the NUL of an empty suffix)
  if (count > (dataEnd - HEADER_BYTES) / (STAT_BYTES + hashSize + 4)) return undefined;
  const state: State = {
    version,
    hashSize,
    count,
    select,
    filter: FILTERS.get(select) ?? NO_FILTER,
    out: [],
    done: 0,
    pathAt: capacity,
    pathLength: 0,
    skipWorktree: false,
    links: info?.links ? [] : undefined,
  };
  let pos = HEADER_BYTES;
  for (;;) {
    pos = parseEntries(state, window, pos, filled);
    if (pos < 0) return undefined;
    if (state.done === count) break;
    // The entry at `pos` is not all in the window: move it to the front and read on.
    if (base + filled >= dataEnd) return undefined; // it runs past the end
    if (pos === 0) {
      // it is larger than the window
      if (capacity * 2 > MAX_WINDOW_BYTES) return undefined;
      const larger = Buffer.allocUnsafe(capacity * 2 + PATH_BYTES);
      window.copy(larger, 0, 0, filled);
      window.copy(larger, capacity * 2, capacity, capacity + state.pathLength);
      capacity *= 2;
      window = larger;
      state.pathAt = capacity;
    } else {
      window.copyWithin(0, pos, filled);
      base += pos;
      filled -= pos;
      pos = 0;
    }
    const more = Math.min(capacity - filled, dataEnd - base - filled);
    if (!fill(filled, more, base + filled)) return undefined;
    filled += more;
  }
  // Extensions, up to exactly where the checksum begins.
  for (let at = base + pos; at !== dataEnd; ) {
    if (dataEnd - at < 8 || !fill(0, 8, at)) return undefined;
    const signature = window.readUInt32BE(0);
    const length = window.readUInt32BE(4);
    if (length > dataEnd - at - 8) return undefined;
    if (signature === EXTENSION_LINK || signature === EXTENSION_SDIR) return undefined;
    // Extensions starting with 'A'..'Z' are optional; git refuses an index with others it does
    // not know, and this reader knows none of them.
    if (window[0]! < 0x41 || window[0]! > 0x5a) return undefined;
    at += 8 + length;
  }
  if (info) info.skipWorktree = state.skipWorktree;
  if (info?.links && state.links) info.links.push(...state.links);
  return state.out;
}

/**
 * Parses the entries in window[start, limit): returns where the first one not all in it begins
 * (the end of the last entry once all are parsed), or -1 when the file is not understood.
 * Nothing in `state` changes for an entry not all in the window.
 */
function parseEntries(state: State, window: Buffer, start: number, limit: number): number {
  const { version, select, filter, out, count, hashSize, pathAt } = state;
  // Buffer's indexOf and readUInt32BE are library code with argument checks, a plain
  // Uint8Array's are the engine's: the loop reads through one.
  const bytes = new Uint8Array(window.buffer, window.byteOffset, window.length);
  const fixed = STAT_BYTES + hashSize + 2; // stat data, object id, flags
  let done = state.done;
  let pathLength = state.pathLength;
  let pos = start;
  entries: while (done < count) {
    let p = pos + fixed;
    if (p > limit) break;
    const mode =
      ((bytes[pos + MODE_OFFSET]! << 24) |
        (bytes[pos + MODE_OFFSET + 1]! << 16) |
        (bytes[pos + MODE_OFFSET + 2]! << 8) |
        bytes[pos + MODE_OFFSET + 3]!) >>>
      0;
    // anything else, a sparse directory (040000) among them, is not understood
    if (mode !== MODE_FILE && mode !== MODE_EXECUTABLE && mode !== MODE_SYMLINK && mode !== MODE_GITLINK) {
      return -1;
    }
    const flags = (bytes[p - 2]! << 8) | bytes[p - 1]!;
    let extended = 0;
    if ((flags & FLAG_EXTENDED) !== 0) {
      if (version === 2) return -1;
      if (p + 2 > limit) break;
      extended = (bytes[p]! << 8) | bytes[p + 1]!;
      if ((extended & UNKNOWN_EXTENDED) !== 0) return -1;
      if ((extended & EXTENDED_SKIP_WORKTREE) !== 0) state.skipWorktree = true;
      p += 2;
    }
    const flagLength = flags & NAME_MASK;
    let length: number;
    let next: number;
    let candidate: boolean;
    let at: number; // where the path's bytes are in the window
    if (version === 4) {
      // How many bytes to strip from the end of the previous path: git's varint (as in OFS_DELTA
      // offsets), then the rest of the path up to a NUL, no padding.
      if (p >= limit) break;
      let c = bytes[p++]!;
      let strip = c & 0x7f;
      while ((c & 0x80) !== 0) {
        if (p >= limit) break entries;
        if (strip > 0xffffffff) return -1;
        c = bytes[p++]!;
        strip = (strip + 1) * 128 + (c & 0x7f);
      }
      if (strip > pathLength) return -1;
      const nul = bytes.indexOf(0, p);
      if (nul < 0 || nul >= limit) break;
      const kept = pathLength - strip;
      length = kept + (nul - p);
      if (flagLength === NAME_MASK ? length < NAME_MASK : length !== flagLength) return -1;
      if (length === 0 || length > PATH_BYTES) return -1;
      if (nul > p) bytes.copyWithin(pathAt + kept, p, nul);
      pathLength = length;
      next = nul + 1;
      at = pathAt;
      candidate = (filter[bytes[pathAt + length - 1]!]! | filter[256 + bytes[pathAt]!]!) !== 0;
    } else {
      // The path, a NUL and up to 7 more so the entry's length is a multiple of 8.
      const nul = bytes.indexOf(0, p);
      if (nul < 0 || nul >= limit) break;
      length = nul - p;
      if (flagLength === NAME_MASK ? length < NAME_MASK : length !== flagLength) return -1;
      next = pos + ((p - pos + length + 8) & ~7);
      if (next > limit) break;
      if (length === 0 || length > PATH_BYTES) return -1;
      at = p;
      candidate = (filter[bytes[nul - 1]!]! | filter[256 + bytes[p]!]!) !== 0;
    }
    // (a link a wildcard COPY source may match, whatever the listing selects: see linksMatching)
    if (mode === MODE_SYMLINK && state.links) state.links.push(window.toString("utf8", at, at + length));
    if (candidate) {
      if (select(bytes, at, at + length)) {
        out.push({
          path: window.toString("utf8", at, at + length),
          mode,
          oid: window.toString("hex", pos + STAT_BYTES, pos + STAT_BYTES + hashSize),
          stage: ((flags >> 12) & 3) as 0 | 1 | 2 | 3,
          skipWorktree: (extended & EXTENDED_SKIP_WORKTREE) !== 0,
        });
      }
    }
    done++;
    pos = next;
  }
  state.done = done;
  state.pathLength = pathLength;
  return pos;
}

/** The repository's git directory and common directory (config, objects), or undefined. (I/O) */
function gitDirs(root: string, env: NodeJS.ProcessEnv): { gitDir: string; commonDir: string } | undefined {
  if (
    env.GIT_INDEX_FILE !== undefined ||
    env.GIT_DIR !== undefined ||
    env.GIT_WORK_TREE !== undefined ||
    env.GIT_COMMON_DIR !== undefined
  ) {
    return undefined;
  }
  const dotGit = join(root, ".git");
  let gitDir: string;
  try {
    const stats = statSync(dotGit);
    if (stats.isDirectory()) gitDir = dotGit;
    else if (stats.isFile()) {
      // a linked worktree or a submodule: "gitdir: <path>", relative to the .git file's directory
      const match = /^gitdir: (.+?)[\r\n]*$/s.exec(readFileSync(dotGit, "utf8"));
      if (match === null) return undefined;
      gitDir = resolve(root, match[1]!);
      if (!statSync(gitDir).isDirectory()) return undefined;
    } else return undefined;
  } catch {
    return undefined;
  }
  let commonDir = gitDir;
  try {
    const common = readFileSync(join(gitDir, "commondir"), "utf8").replace(/[\r\n]+$/, "");
    if (common === "") return undefined;
    commonDir = resolve(gitDir, common);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") return undefined;
  }
  return { gitDir, commonDir };
}

/**
 * The object id size from `extensions.objectformat` in a repository config: 32 for sha256, 20
 * for sha1 or none, undefined when the file is missing or the setting is not plainly readable.
 * (I/O)
 */
function configHashSize(configFile: string): 20 | 32 | undefined {
  let text: string;
  try {
    text = readFileSync(configFile, "utf8");
  } catch {
    return undefined;
  }
  if (!/objectformat/i.test(text)) return 20;
  let section = "";
  let format: string | undefined;
  for (const raw of text.split("\n")) {
    let line = raw.trim();
    if (line.startsWith("[")) {
      const header = /^\[\s*([A-Za-z0-9.-]+)\s*("(?:[^"\\]|\\.)*"\s*)?\](.*)$/.exec(line);
      if (header === null) return undefined;
      // [section "subsection"] is not [extensions]
      section = header[2] === undefined ? header[1]!.toLowerCase() : "";
      line = header[3]!.trim();
    }
    if (section !== "extensions" || !/objectformat/i.test(line)) continue;
    const setting = /^objectformat\s*=\s*("?)([A-Za-z0-9]+)\1\s*(?:[#;].*)?$/i.exec(line);
    if (setting === null) return undefined;
    format = setting[2]!.toLowerCase();
  }
  if (format === undefined || format === "sha1") return 20;
  return format === "sha256" ? 32 : undefined;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
