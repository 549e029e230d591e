import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ShipgraphError } from "../errors.js";
import { loadGraph } from "../load-graph.js";
import { compareStrings } from "../util/sort.js";
import { mark } from "../util/trace.js";
import {
  addLeftBehind,
  chooseGenerators,
  type DriftOptions,
  type DriftReport,
  emptyResult,
  leftBehindSince,
  runDrift,
  sparseLeftOut,
  warnIfInferred,
} from "./index.js";
import { generatorNeeds } from "./plan.js";
import {
  currentStamp,
  parseStampFile,
  quickCheck,
  renderStampFile,
  STAMP_FILE,
  type StampFile,
  startStampReads,
} from "./stamp.js";

function readStampFile(root: string): string | undefined {
  try {
    return readFileSync(join(root, STAMP_FILE), "utf8");
  } catch {
    return undefined;
  }
}

/**
 * The working tree's graph as stamps see it (untracked files included, blob ids wanted), the
 * selected generators and the committed stamp file. (I/O)
 */
async function loadForStamps(
  options: Pick<DriftOptions, "cwd" | "config" | "generators" | "base" | "onWarning">,
  replaceUnreadable = false,
) {
  const loaded = await loadGraph({
    cwd: options.cwd,
    config: options.config,
    untracked: true,
    generatesEdges: false,
    blobIds: true,
  });
  warnIfInferred(loaded, options.onWarning);
  const { selected, mergeBase } = await chooseGenerators(loaded, options, generatorNeeds(loaded.graph));
  startStampReads(loaded.graph, loaded.snapshot, selected);
  const text = readStampFile(loaded.root);
  if (
    text === undefined &&
    loaded.snapshot.files.includes(STAMP_FILE) &&
    (await sparseLeftOut(loaded.git, [STAMP_FILE])).length > 0
  ) {
    // read from the index, the stamps would be checked but never rewritten where git sees them;
    // not read at all, `stamp <name>` would drop every other generator's stamp
    throw new ShipgraphError(
      "CONFIG_NOT_FOUND",
      `${STAMP_FILE} is tracked but the sparse checkout leaves it out of the working tree`,
      {
        file: STAMP_FILE,
        hint: `add it to the sparse checkout (\`git sparse-checkout add ${STAMP_FILE}\`)`,
      },
    );
  }
  let stamps: StampFile;
  try {
    stamps = parseStampFile(text);
  } catch (error) {
    // stamping every generator keeps nothing of the old file: an unreadable one is replaced
    if (!replaceUnreadable) throw error;
    stamps = parseStampFile(undefined);
  }
  return { loaded, selected, stamps, mergeBase };
}

/**
 * `drift --quick`: recomputes each selected generator's input and output hashes and compares
 * them with the committed stamps. With `base`, also the outputs left behind since the merge base
 * that the merge base's config tells (see leftBehindSince; those only a base run could tell are a
 * warning). Starts no generator process. (I/O)
 */
export async function runQuickDrift(
  options: Pick<DriftOptions, "cwd" | "config" | "generators" | "base" | "onWarning">,
): Promise<DriftReport> {
  const { loaded, selected, stamps, mergeBase } = await loadForStamps(options);
  const generators = await quickCheck(loaded.graph, loaded.snapshot, stamps, selected);
  mark("stamps compared");
  const leftBehind = await leftBehindSince(loaded, options, mergeBase, false);
  for (const [name, files] of leftBehind) {
    const result = generators.find((g) => g.name === name);
    if (result !== undefined) addLeftBehind(result, files);
    else {
      // not selected (not affected since the base): only what it left behind to report
      const quick = { inputsChanged: false, outputsEdited: false };
      generators.push(addLeftBehind({ ...emptyResult(name), quick }, files));
    }
  }
  generators.sort((a, b) => compareStrings(a.name, b.name));
  return { clean: generators.every((g) => g.status === "clean"), generators };
}

export interface StampResult {
  /** The verification run (absent with verify: false). */
  report?: DriftReport;
  /** True when the stamp file was written. */
  written: boolean;
  file: string;
}

/**
 * `shipgraph stamp`: verifies (by default) that the selected generators' outputs are what they
 * generate, then records both hashes in the stamp file. Refuses to stamp drifted or failing
 * outputs: a stamp must never vouch for stale code. (I/O; writes only the stamp file)
 */
export async function stampGenerators(options: DriftOptions & { verify: boolean }): Promise<StampResult> {
  let report: DriftReport | undefined;
  if (options.verify) {
    report = await runDrift({ ...options, fix: false, committed: false });
    if (!report.clean) return { report, written: false, file: STAMP_FILE };
  }
  const all = (options.generators ?? []).length === 0 && options.base === undefined;
  const { loaded, selected, stamps } = await loadForStamps(options, all);
  const existing = new Set(
    [...loaded.graph.nodes.values()].filter((n) => n.kind === "generator").map((n) => n.name),
  );
  for (const name of Object.keys(stamps.generators)) if (!existing.has(name)) delete stamps.generators[name];
  for (const node of selected)
    stamps.generators[node.name] = await currentStamp(loaded.graph, loaded.snapshot, node);
  const target = join(loaded.root, STAMP_FILE);
  const temp = `${target}.tmp-${process.pid}`;
  writeFileSync(temp, renderStampFile(stamps));
  renameSync(temp, target);
  return { ...(report ? { report } : {}), written: true, file: STAMP_FILE };
}
