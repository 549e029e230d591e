#!/usr/bin/env node
// bench/run.mjs (`pnpm bench`): times `shipgraph affected` and `shipgraph drift --quick` against the git
// floor, Nx and Turborepo on the same synthetic monorepos, as whole processes, cold. See bench/README.md.
//
// Usage: node bench/run.mjs [--sizes S,M,L] [--runs 5] [--changes 1,100,1000] [--no-drift]
//                           [--repos DIR] [--peers DIR] [--out FILE] [--keep-going]
//
//   --sizes      repo sizes to run (S = 100 packages x 10 files, M = 1,000 x 20, L = 5,000 x 20); default S,M,L
//   --runs       timed runs per command, after one warm-up; default 5
//   --changes    changed-file counts, one feature branch each; default 1,100,1000
//   --no-drift   skip the `drift --quick` benchmark (10,000 generated files)
//   --repos      cache of generated repos, keyed by generator arguments; default /tmp/shipgraph-bench-repos
//   --peers      scratch install of the pinned peers (never the project's dependencies); default /tmp/shipgraph-bench-peers
//   --out        JSON results; default bench/results/latest.json
//   --keep-going exit 0 even if the agreement check finds a difference that is not explained
//
// Exit codes: 0 done, 1 an unexplained agreement difference or a command failed, 2 usage or setup error.

import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  appendFileSync,
  chmodSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..");
const GEN = join(HERE, "gen-monorepo.mjs");
const SHIPGRAPH = join(ROOT, "packages", "cli", "bin", "shipgraph.cjs");
const TIME = "/usr/bin/time";
const NODE = process.execPath;
// Pinned peers (both support Node 20). Bump deliberately: results are comparable only at equal pins.
const PINS = { nx: "24.0.6", turbo: "2.11.11" };
const SIZES = ["S", "M", "L"];
const DRIFT_PROTOS = 5000; // x 2 generated files per proto = 10,000 checked-in generated files
const PAGE = 4096;

// ---------------------------------------------------------------- arguments
function usage(code, msg) {
  if (msg) process.stderr.write(`bench: ${msg} (see --help)\n`);
  else {
    const lines = readFileSync(fileURLToPath(import.meta.url), "utf8")
      .split("\n")
      .slice(1)
      .filter((l, i, all) => l || all.slice(0, i).some(Boolean)); // after the shebang and blank lines
    process.stdout.write(
      `${lines
        .slice(
          0,
          lines.findIndex((l) => !l.startsWith("//")),
        )
        .map((l) => l.slice(3))
        .join("\n")}\n`,
    );
  }
  process.exit(code);
}
const opts = {
  sizes: "S,M,L",
  runs: "5",
  changes: "1,100,1000",
  repos: "/tmp/shipgraph-bench-repos",
  peers: "/tmp/shipgraph-bench-peers",
  out: join(HERE, "results", "latest.json"),
  drift: true,
  keepGoing: false,
};
{
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") continue; // `pnpm bench -- --sizes S`
    if (a === "-h" || a === "--help") usage(0);
    if (a === "--no-drift") {
      opts.drift = false;
      continue;
    }
    if (a === "--keep-going") {
      opts.keepGoing = true;
      continue;
    }
    const m = /^--(sizes|runs|changes|repos|peers|out)(?:=(.*))?$/s.exec(a);
    if (!m) usage(2, `unknown argument ${a}`);
    const v = m[2] ?? argv[++i];
    if (v === undefined) usage(2, `--${m[1]} needs a value`);
    opts[m[1]] = v;
  }
}
const sizes = opts.sizes
  .split(",")
  .map((s) => s.trim().toUpperCase())
  .filter(Boolean);
for (const s of sizes) if (!SIZES.includes(s)) usage(2, `unknown size ${s} (S, M or L)`);
const runs = Number(opts.runs);
if (!Number.isInteger(runs) || runs < 1) usage(2, "--runs must be a positive integer");
const changes = opts.changes.split(",").map((s) => Number(s.trim()));
if (changes.some((c) => !Number.isInteger(c) || c < 1)) usage(2, "--changes must be positive integers");
const reposDir = resolve(opts.repos),
  peersDir = resolve(opts.peers),
  outFile = resolve(opts.out);

const log = (...a) => process.stderr.write(`${a.join(" ")}\n`);
const die = (msg) => {
  log(`bench: ${msg}`);
  process.exit(2);
};
const scratch = mkdtempSync("/tmp/bench-run-");
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

// ---------------------------------------------------------------- environment
function run(cmd, args, o = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 30, ...o });
  if (r.error) throw r.error;
  return r;
}
function must(cmd, args, o = {}) {
  const r = run(cmd, args, o);
  if (r.status !== 0)
    die(`${cmd} ${args.join(" ")} failed (exit ${r.status}):\n${(r.stderr || r.stdout || "").slice(-2000)}`);
  return r.stdout;
}
// One environment for every timed process: no CI event, no inherited Nx/turbo settings, and no
// NODE_OPTIONS / NODE_EXTRA_CA_CERTS (the latter alone adds ~40 ms to every Node start on this machine).
const STRIPPED = /^(GITHUB_|NX_|TURBO_|NODE_OPTIONS$|NODE_EXTRA_CA_CERTS$)/;
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !STRIPPED.test(k)));
const strippedNames = Object.keys(process.env)
  .filter((k) => STRIPPED.test(k))
  .sort();
const gitEnv = {
  ...baseEnv,
  GIT_AUTHOR_NAME: "gen-monorepo",
  GIT_AUTHOR_EMAIL: "gen@example.com",
  GIT_COMMITTER_NAME: "gen-monorepo",
  GIT_COMMITTER_EMAIL: "gen@example.com",
  GIT_AUTHOR_DATE: "2024-01-01T00:00:00Z",
  GIT_COMMITTER_DATE: "2024-01-01T00:00:00Z",
};
const git = (cwd, ...a) => must("git", ["-c", "commit.gpgsign=false", ...a], { cwd, env: gitEnv }).trim();

if (!existsSync(SHIPGRAPH)) die(`${SHIPGRAPH} is missing: build the project first (pnpm build)`);
{
  const f = join(scratch, "probe");
  const r = spawnSync(TIME, ["-f", "%M", "-o", f, "true"]);
  if (
    r.error ||
    r.status !== 0 ||
    !/^\d+\s*$/.test(readFileSync(f, "utf8").split("\n").filter(Boolean).pop() ?? "")
  ) {
    die(`${TIME} -f %M does not work here (GNU time is needed for peak RSS: apt-get install time)`);
  }
}

// ---------------------------------------------------------------- peers, installed outside the project
function ensurePeers() {
  const nm = join(peersDir, "node_modules");
  const version = (p) => {
    try {
      return JSON.parse(readFileSync(join(nm, p, "package.json"), "utf8")).version;
    } catch {
      return null;
    }
  };
  if (version("nx") !== PINS.nx || version("turbo") !== PINS.turbo) {
    log(`installing nx@${PINS.nx} turbo@${PINS.turbo} into ${peersDir} ...`);
    mkdirSync(peersDir, { recursive: true });
    if (!existsSync(join(peersDir, "package.json")))
      writeFileSync(join(peersDir, "package.json"), '{ "name": "shipgraph-bench-peers", "private": true }\n');
    const r = run(
      "npm",
      [
        "install",
        "--prefix",
        peersDir,
        "--no-audit",
        "--no-fund",
        "--save-exact",
        `nx@${PINS.nx}`,
        `turbo@${PINS.turbo}`,
      ],
      { stdio: ["ignore", "inherit", "inherit"] },
    );
    if (r.status !== 0) die("npm install of the peers failed");
  }
  // Nx refuses a pnpm lockfile when node_modules/.modules.yaml (written by every pnpm install) is absent;
  // it only checks that the file exists (nx/dist/src/plugins/js/lock-file/utils/pnpm-normalizer.js).
  const modulesYaml = join(nm, ".modules.yaml");
  if (!existsSync(modulesYaml))
    writeFileSync(modulesYaml, "# written by shipgraph bench/run.mjs: Nx checks that this file exists\n");
  const turboBin = readdirSync(join(nm, "@turbo"))
    .map((d) => join(nm, "@turbo", d, "bin", "turbo"))
    .find((p) => {
      try {
        return spawnSync(p, ["--version"], { encoding: "utf8" }).stdout.trim() === PINS.turbo;
      } catch {
        return false;
      }
    });
  if (!turboBin)
    die(`no native turbo ${PINS.turbo} binary for ${process.platform}-${process.arch} under ${nm}/@turbo`);
  return { nm, nxBin: join(nm, "nx", "dist", "bin", "nx.js"), turboBin };
}

// ---------------------------------------------------------------- generated repos, cached by arguments
const genHash = createHash("sha256").update(readFileSync(GEN)).digest("hex").slice(0, 10);
function ensureRepo(name, genArgs, linkTo) {
  const dir = join(reposDir, `${name}-${genHash}`);
  const manifestFile = join(dir, ".git", "shipgraph-bench.json");
  if (!existsSync(manifestFile)) {
    log(`generating ${dir} (${genArgs.join(" ")}) ...`);
    mkdirSync(reposDir, { recursive: true });
    // the same repo from an earlier version of the generator: never used again
    for (const old of readdirSync(reposDir)) {
      if (
        old.startsWith(`${name}-`) &&
        /^[0-9a-f]{10}$/.test(old.slice(name.length + 1)) &&
        old !== basename(dir)
      ) {
        if (existsSync(join(reposDir, old, ".gen-monorepo.json")))
          rmSync(join(reposDir, old), { recursive: true, force: true });
      }
    }
    const t = performance.now();
    const r = run(NODE, [GEN, "--out", dir, "--force", ...genArgs], { stdio: ["ignore", "pipe", "inherit"] });
    if (r.status !== 0) die(`generator failed for ${name}`);
    log(`  generated in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8"));
  if (linkTo) {
    const link = join(dir, "node_modules");
    let ok = false;
    try {
      ok = lstatSync(link).isSymbolicLink() && readlinkSync(link) === linkTo;
    } catch {}
    if (!ok) {
      rmSync(link, { recursive: true, force: true });
      symlinkSync(linkTo, link);
    }
  }
  return { dir, manifest };
}
function checkout(dir, ref) {
  git(dir, "checkout", "-q", "-f", ref);
  const dirty = git(dir, "status", "--porcelain");
  if (dirty) die(`${dir} is not clean on ${ref}:\n${dirty.slice(0, 1000)}`);
}

// ---------------------------------------------------------------- measuring
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round1 = (x) => Math.round(x * 10) / 10;

/** The line of a failed run's output that says what went wrong (a thrown error's message, else the last line). */
function errorLine(r) {
  const lines = `${r.stderr}\n${r.stdout}`
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return (lines.find((l) => /^(\w*Error\b|error:|fatal:)/i.test(l)) ?? lines.pop() ?? "(no output)").slice(
    0,
    300,
  );
}

/** One whole-process run under GNU time: wall ms (measured here) and ru_maxrss (largest single process, KB). */
function timedRun(tool, cwd) {
  for (const p of tool.clean ?? []) rmSync(join(cwd, p), { recursive: true, force: true });
  const rssFile = join(scratch, "rss"),
    outFile_ = join(scratch, "out"),
    errFile = join(scratch, "err");
  const out = openSync(outFile_, "w"),
    err = openSync(errFile, "w");
  const t0 = process.hrtime.bigint();
  const r = spawnSync(TIME, ["-f", "%M", "-o", rssFile, tool.cmd, ...tool.args], {
    cwd,
    env: tool.env,
    stdio: ["ignore", out, err],
    timeout: 600_000,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  closeSync(out);
  closeSync(err);
  const rssKb = Number(readFileSync(rssFile, "utf8").trim().split("\n").pop());
  return {
    ms,
    rssKb,
    status: r.status,
    stdout: readFileSync(outFile_, "utf8"),
    stderr: readFileSync(errFile, "utf8"),
  };
}

/** Peak of the summed RSS of the whole process tree, sampled from /proc every 10 ms (an untimed run). */
function treeRssRun(tool, cwd) {
  for (const p of tool.clean ?? []) rmSync(join(cwd, p), { recursive: true, force: true });
  return new Promise((done) => {
    const child = spawn(tool.cmd, tool.args, { cwd, env: tool.env, stdio: "ignore" });
    let peak = 0;
    const sample = () => {
      const kids = new Map(),
        rss = new Map();
      for (const d of readdirSync("/proc")) {
        if (d.charCodeAt(0) > 57) continue;
        try {
          const st = readFileSync(`/proc/${d}/stat`, "utf8");
          const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
          const ppid = Number(f[1]);
          if (!kids.has(ppid)) kids.set(ppid, []);
          kids.get(ppid).push(Number(d));
          rss.set(Number(d), Number(f[21]) * PAGE);
        } catch {}
      }
      let sum = 0;
      const stack = [child.pid];
      while (stack.length) {
        const p = stack.pop();
        sum += rss.get(p) ?? 0;
        stack.push(...(kids.get(p) ?? []));
      }
      if (sum > peak) peak = sum;
    };
    const timer = setInterval(sample, 10);
    child.on("exit", (status) => {
      clearInterval(timer);
      done({ treeRssKb: Math.round(peak / 1024), status });
    });
  });
}

/**
 * Times several tools on one repo: one warm-up each, then `runs` rounds that run every tool once
 * (interleaved, so a burst of load elsewhere on the machine hits all tools alike), then one
 * untimed run each for the process-tree RSS. Returns { key: stats | { error } }.
 */
async function measureAll(toolsByKey, cwd) {
  const keys = Object.keys(toolsByKey);
  const samples = Object.fromEntries(keys.map((k) => [k, []]));
  const out = {};
  for (const k of keys) timedRun(toolsByKey[k], cwd); // warm-up: page cache, git's index, the tool's own files
  for (let i = 0; i < runs; i++) {
    for (const k of keys) {
      if (out[k]) continue; // failed already
      const r = timedRun(toolsByKey[k], cwd);
      if (r.status !== (toolsByKey[k].expect ?? 0)) out[k] = { error: `exit ${r.status}: ${errorLine(r)}` };
      else samples[k].push(r);
    }
  }
  for (const k of keys) {
    if (out[k]) continue;
    const ms = samples[k].map((s) => s.ms),
      rss = samples[k].map((s) => s.rssKb);
    const { treeRssKb } = await treeRssRun(toolsByKey[k], cwd);
    out[k] = {
      medianMs: round1(median(ms)),
      minMs: round1(Math.min(...ms)),
      maxMs: round1(Math.max(...ms)),
      // the tree holds at least its largest process; a tool that exits within 10 ms is never sampled
      peakRssMb: round1(Math.max(...rss) / 1024),
      treeRssMb: round1(Math.max(treeRssKb, ...rss) / 1024),
      runsMs: ms.map(round1),
    };
  }
  return out;
}
const measure = async (tool, cwd) => (await measureAll({ tool }, cwd)).tool;

// ---------------------------------------------------------------- tools
function tools(peers) {
  const nxEnv = {
    ...baseEnv,
    NX_DAEMON: "false",
    NX_NO_CLOUD: "true",
    NX_SKIP_NX_CACHE: "true",
    NX_TUI: "false",
  };
  const turboEnv = {
    ...baseEnv,
    TURBO_TELEMETRY_DISABLED: "1",
    DO_NOT_TRACK: "1",
    TURBO_NO_UPDATE_NOTIFIER: "1",
    TURBO_SCM_BASE: "main",
    TURBO_SCM_HEAD: "HEAD",
  };
  return {
    gitDiff: { name: "git diff", cmd: "git", args: ["diff", "--name-only", "main...HEAD"], env: baseEnv },
    nodeE0: { name: "node -e 0", cmd: NODE, args: ["-e", "0"], env: baseEnv },
    shipgraph: {
      name: "shipgraph affected",
      cmd: NODE,
      args: [SHIPGRAPH, "affected", "--base", "main", "--format", "json"],
      env: baseEnv,
    },
    nx: {
      name: "nx show projects --affected",
      cmd: NODE,
      args: [peers.nxBin, "show", "projects", "--affected", "--base=main", "--head=HEAD"],
      env: nxEnv,
      clean: [".nx"],
    },
    turbo: {
      name: "turbo ls --affected",
      cmd: peers.turboBin,
      args: ["ls", "--affected"],
      env: turboEnv,
      clean: [".turbo"],
    },
  };
}

// ---------------------------------------------------------------- agreement
function setOf(tool, cwd, args, parse) {
  const r = timedRun({ ...tool, args }, cwd);
  if (r.status !== 0) return { error: `exit ${r.status}: ${errorLine(r)}` };
  try {
    return { names: parse(r.stdout) };
  } catch (e) {
    return { error: `unreadable output: ${e.message}` };
  }
}
function agreement(t, repo, C) {
  const cwd = repo.dir;
  const rootName = JSON.parse(readFileSync(join(cwd, "package.json"), "utf8")).name;
  const sg = setOf(t.shipgraph, cwd, t.shipgraph.args, (o) => JSON.parse(o).affected.package);
  const peers = {
    nx: setOf(t.nx, cwd, [...t.nx.args, "--json"], (o) => JSON.parse(o)),
    turbo: setOf(t.turbo, cwd, ["ls", "--affected", "--output", "json"], (o) =>
      JSON.parse(o).packages.items.map((x) => x.name),
    ),
    generator: { names: repo.manifest.branches[C].expectedAffected },
  };
  const res = { shipgraph: sg.error ? { error: sg.error } : { count: sg.names.length }, ok: !sg.error };
  if (sg.error) {
    log(`  agreement: shipgraph failed: ${sg.error}`);
    return res;
  }
  const mine = new Set(sg.names);
  for (const [name, p] of Object.entries(peers)) {
    if (p.error) {
      res[name] = { error: p.error };
      res.ok = false;
      log(`  agreement: ${name} failed: ${p.error}`);
      continue;
    }
    const theirs = new Set(p.names);
    const onlyPeer = [...theirs].filter((x) => !mine.has(x)).sort(),
      onlyShipgraph = [...mine].filter((x) => !theirs.has(x)).sort();
    // Structural differences: names that are not workspace packages in shipgraph's model.
    const explain = (x) =>
      x === "//"
        ? "turbo's root package (files outside every workspace package)"
        : x === rootName
          ? "the root package.json, which Nx makes a project; it is not a workspace package"
          : null;
    const explained = onlyPeer.filter(explain).map((x) => ({ name: x, why: explain(x) }));
    const unexplainedPeer = onlyPeer.filter((x) => !explain(x));
    const equal = unexplainedPeer.length === 0 && onlyShipgraph.length === 0;
    res[name] = {
      count: theirs.size,
      equal,
      [`only${name[0].toUpperCase()}${name.slice(1)}`]: unexplainedPeer,
      onlyShipgraph,
      explained,
    };
    if (!equal) res.ok = false;
    const line = equal
      ? `equal (${theirs.size})`
      : `DIFFERENT: only ${name} [${unexplainedPeer.join(", ")}], only shipgraph [${onlyShipgraph.join(", ")}]`;
    log(
      `  agreement shipgraph (${mine.size}) vs ${name}: ${line}${explained.length ? `; explained: ${explained.map((e) => `${e.name} = ${e.why}`).join("; ")}` : ""}`,
    );
  }
  return res;
}

// ---------------------------------------------------------------- drift --quick on 10,000 generated files
async function driftBench() {
  const repo = ensureRepo(
    `drift-p${DRIFT_PROTOS}`,
    ["--size", "S", "--protos", String(DRIFT_PROTOS), "--changes", "none"],
    null,
  );
  const { dir, manifest } = repo;
  const generated = Number(
    must("sh", ["-c", "git ls-files -- 'gen/go' 'packages/sdk-ts/src/gen' | wc -l"], { cwd: dir }).trim(),
  );
  // Stamp with the shipgraph under test, from the generated main, so the lock always has the current format.
  git(dir, "checkout", "-q", "-f", "-B", "main", manifest.main);
  git(dir, "clean", "-q", "-fdx", "-e", "node_modules");
  const t = performance.now();
  const st = run(NODE, [SHIPGRAPH, "stamp", "--no-verify"], { cwd: dir, env: baseEnv });
  if (st.status !== 0)
    die(`shipgraph stamp --no-verify failed in ${dir}:\n${(st.stderr || st.stdout).slice(-1500)}`);
  const stampMs = round1(performance.now() - t);
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "shipgraph stamp --no-verify");
  // A generator must not start: buf and protoc plugins on PATH are shims that leave a mark.
  const shims = join(scratch, "shims"),
    mark = join(scratch, "generator-started");
  mkdirSync(shims, { recursive: true });
  for (const b of ["buf", "protoc", "protoc-gen-go", "protoc-gen-acme-ts"]) {
    writeFileSync(join(shims, b), `#!/bin/sh\necho "$0 $*" >> '${mark}'\nexit 1\n`);
    chmodSync(join(shims, b), 0o755);
  }
  const env = { ...baseEnv, PATH: `${shims}:${baseEnv.PATH}` };
  const tool = (expect) => ({
    name: "shipgraph drift --quick",
    cmd: NODE,
    args: [SHIPGRAPH, "drift", "--quick"],
    env,
    expect,
  });
  const out = { generatedFiles: generated, stampNoVerifyMs: stampMs, cases: {} };
  log(`drift --quick on ${generated} generated files (stamp --no-verify took ${stampMs} ms)`);
  const fresh = timedRun(tool(0), dir);
  out.cases.fresh =
    fresh.status === 0
      ? await measure(tool(0), dir)
      : { error: `exit ${fresh.status} on fresh stamps: ${errorLine(fresh)}` };
  const edited = git(dir, "ls-files", "--", "gen/go").split("\n")[0];
  appendFileSync(join(dir, edited), "// edited by hand\n");
  const ed = timedRun(tool(1), dir);
  out.cases.editedOutput =
    ed.status === 1
      ? { ...(await measure(tool(1), dir)), file: edited }
      : { error: `expected exit 1 with ${edited} edited, got ${ed.status}: ${errorLine(ed)}` };
  out.cases.editedOutput.reported = /edited by hand/i.test(ed.stdout + ed.stderr);
  git(dir, "checkout", "-q", "--", edited);
  out.generatorStarted = existsSync(mark) ? readFileSync(mark, "utf8").trim().split("\n") : [];
  return out;
}

// ---------------------------------------------------------------- report
function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys(v[k])]),
    );
  return v;
}
const cell = (x) => String(x ?? "").replace(/\|/g, "\\|");
const fmtMs = (x) => (x == null ? "" : x < 100 ? x.toFixed(1) : String(Math.round(x)));
const fmtX = (x) => (x == null ? "" : `${x < 10 ? x.toFixed(2) : x.toFixed(1)}×`);
function markdown(rows) {
  const head = [
    "tool",
    "size",
    "changes",
    "median ms",
    "min",
    "max",
    "× floor",
    "× shipgraph",
    "peak RSS MB",
    "tree RSS MB",
  ];
  const lines = [
    `| ${head.join(" | ")} |`,
    `| ${head.map((_h, i) => (i < 3 ? "---" : "---:")).join(" | ")} |`,
  ];
  for (const r of rows) {
    lines.push(
      `| ${[
        r.tool,
        r.size,
        r.changes,
        r.error ? `failed: ${r.error.slice(0, 80)}` : fmtMs(r.medianMs),
        fmtMs(r.minMs),
        fmtMs(r.maxMs),
        fmtX(r.ratioToFloor),
        fmtX(r.ratioToShipgraph),
        r.peakRssMb ?? "",
        r.treeRssMb ?? "",
      ]
        .map(cell)
        .join(" | ")} |`,
    );
  }
  return lines.join("\n");
}

// ---------------------------------------------------------------- main
const started = performance.now();
// The built CLI and libraries (names, sizes, mtimes): a rebuild during the run mixes two builds' numbers.
function buildFingerprint() {
  const h = createHash("sha256");
  for (const pkg of readdirSync(join(ROOT, "packages")).sort()) {
    const d = join(ROOT, "packages", pkg, "dist");
    let names = [];
    try {
      names = readdirSync(d, { recursive: true }).sort();
    } catch {
      continue;
    }
    for (const n of names) {
      try {
        const s = statSync(join(d, n));
        h.update(`${pkg}/${n} ${s.size} ${s.mtimeMs}\n`);
      } catch {}
    }
  }
  return h.digest("hex");
}
const buildAtStart = buildFingerprint();
const loadAtStart = os.loadavg().map((x) => Math.round(x * 100) / 100);
if (loadAtStart[0] > os.cpus().length / 2)
  log(
    `warning: load average ${loadAtStart[0]} on ${os.cpus().length} cpus: other work on this machine makes the times noisy`,
  );
const peers = ensurePeers();
const T = tools(peers);
const gitVersion = must("git", ["--version"]).trim();
const shipgraphVersion = run(NODE, [SHIPGRAPH, "--version"], { env: baseEnv }).stdout.trim();
let projectCommit = null;
try {
  projectCommit =
    git(ROOT, "rev-parse", "HEAD") +
    (git(ROOT, "status", "--porcelain", "--", "packages") ? " (packages/ modified)" : "");
} catch {}
if (strippedNames.length) log(`not passed to the timed processes: ${strippedNames.join(", ")}`);
log(
  `shipgraph ${shipgraphVersion} (${SHIPGRAPH}), nx ${PINS.nx}, turbo ${PINS.turbo} (${peers.turboBin}), node ${process.version}, ${gitVersion}, ${os.cpus().length} cpus; ${runs} runs + 1 warm-up each`,
);

const rows = [],
  agreements = [],
  repos = {};
let failed = false;
for (const size of sizes) {
  const repo = ensureRepo(
    `${size}-c${changes.join("_")}`,
    ["--size", size, "--changes", changes.join(",")],
    peers.nm,
  );
  const m = repo.manifest;
  repos[size] = {
    dir: repo.dir,
    libraries: m.libraries,
    services: m.services,
    protos: m.protos,
    generatedFiles: m.generatedFiles,
    workspacePackages: m.workspacePackages,
    trackedFiles: m.trackedFiles,
    dependencyEdges: m.dependencyEdges,
    main: m.main,
    branches: Object.fromEntries(
      Object.entries(m.branches).map(([c, b]) => [
        c,
        {
          branch: b.branch,
          head: b.head,
          changedFiles: b.changedFiles,
          expectedAffectedPackages: b.expectedAffected.length,
        },
      ]),
    ),
  };
  for (const C of changes) {
    checkout(repo.dir, `feature-${C}`);
    log(`${size} (${m.workspacePackages} packages, ${m.trackedFiles} files), ${C} changed file(s):`);
    const ag = agreement(T, repo, C);
    agreements.push({ size, changes: C, ...ag });
    if (!ag.ok) failed = true;
    const keys = ["gitDiff", "nodeE0", "shipgraph", "nx", "turbo"];
    const res = await measureAll(Object.fromEntries(keys.map((k) => [k, T[k]])), repo.dir);
    for (const key of keys) {
      if (res[key].error) {
        failed = true;
        log(`  ${T[key].name}: FAILED ${res[key].error}`);
      } else
        log(
          `  ${T[key].name.padEnd(30)} ${fmtMs(res[key].medianMs).padStart(7)} ms  (${fmtMs(res[key].minMs)}–${fmtMs(res[key].maxMs)})  ${res[key].peakRssMb} MB`,
        );
    }
    const floor =
      res.gitDiff.error || res.nodeE0.error ? null : round1(res.gitDiff.medianMs + res.nodeE0.medianMs);
    const sgMs = res.shipgraph.error ? null : res.shipgraph.medianMs;
    for (const key of ["gitDiff", "nodeE0", "shipgraph", "nx", "turbo"]) {
      const r = res[key];
      rows.push({
        tool: T[key].name,
        size,
        changes: C,
        ...r,
        runsMs: undefined,
        ratioToFloor: r.error || !floor ? null : Math.round((r.medianMs / floor) * 100) / 100,
        ratioToShipgraph: r.error || !sgMs ? null : Math.round((r.medianMs / sgMs) * 100) / 100,
        runs: r.runsMs ?? null,
      });
      if (key === "nodeE0")
        rows.push({
          tool: "floor (git diff + node -e 0)",
          size,
          changes: C,
          medianMs: floor,
          ratioToFloor: floor ? 1 : null,
          ratioToShipgraph: floor && sgMs ? Math.round((floor / sgMs) * 100) / 100 : null,
        });
    }
  }
}
const drift = opts.drift ? await driftBench() : null;
if (drift && (drift.cases.fresh.error || drift.cases.editedOutput.error || drift.generatorStarted.length))
  failed = true;

// growth of `shipgraph affected`: with the changed-file count on each size, and with size at each count
const sgRow = (s, c) =>
  rows.find((r) => r.tool === "shipgraph affected" && r.size === s && r.changes === c && !r.error);
const growth = { byChanges: {}, bySize: {} };
for (const s of sizes) {
  const base = sgRow(s, changes[0]);
  growth.byChanges[s] = changes.map((c) => {
    const r = sgRow(s, c);
    return {
      changes: c,
      medianMs: r?.medianMs ?? null,
      ratio: r && base ? Math.round((r.medianMs / base.medianMs) * 100) / 100 : null,
    };
  });
}
for (const c of changes) {
  const base = sgRow(sizes[0], c);
  growth.bySize[c] = sizes.map((s) => {
    const r = sgRow(s, c);
    return {
      size: s,
      medianMs: r?.medianMs ?? null,
      ratio: r && base ? Math.round((r.medianMs / base.medianMs) * 100) / 100 : null,
    };
  });
}

// targets from the issue (only where the size was run)
const get = (tool, s, c) => rows.find((r) => r.tool === tool && r.size === s && r.changes === c && !r.error);
const targets = [];
{
  const sg = get("shipgraph affected", "L", 1),
    fl = get("floor (git diff + node -e 0)", "L", 1),
    tu = get("turbo ls --affected", "L", 1),
    nx = get("nx show projects --affected", "L", 1);
  if (sg && fl)
    targets.push({
      target: "L, 1 change: shipgraph ≤ floor + 200 ms",
      value: `${fmtMs(sg.medianMs)} ms vs ${fmtMs(fl.medianMs + 200)} ms`,
      met: sg.medianMs <= fl.medianMs + 200,
    });
  if (sg && tu)
    targets.push({
      target: "L, 1 change: ≥ 4× faster than turbo ls --affected",
      value: fmtX(tu.medianMs / sg.medianMs),
      met: tu.medianMs / sg.medianMs >= 4,
    });
  if (sg && nx)
    targets.push({
      target: "L, 1 change: ≥ 20× faster than nx show projects --affected",
      value: fmtX(nx.medianMs / sg.medianMs),
      met: nx.medianMs / sg.medianMs >= 20,
    });
  if (sg)
    targets.push({
      target: "L, 1 change: peak RSS ≤ 100 MB",
      value: `${sg.peakRssMb} MB`,
      met: sg.peakRssMb <= 100,
    });
  const m1 = get("shipgraph affected", "M", 1),
    m1000 = get("shipgraph affected", "M", 1000);
  if (m1 && m1000)
    targets.push({
      target: "M: 1,000 changed files < 1.3× the time of 1",
      value: fmtX(m1000.medianMs / m1.medianMs),
      met: m1000.medianMs / m1.medianMs < 1.3,
    });
  if (drift?.cases.fresh.medianMs != null) {
    const worst = Math.max(drift.cases.fresh.medianMs, drift.cases.editedOutput.medianMs ?? 0);
    targets.push({
      target: `drift --quick on ${drift.generatedFiles} generated files ≤ 300 ms, no generator started`,
      value: `${fmtMs(worst)} ms, ${drift.generatorStarted.length ? `started: ${drift.generatorStarted[0]}` : "none started"}`,
      met: worst <= 300 && !drift.generatorStarted.length,
    });
  }
}

const tableRows = rows.map((r) => ({
  tool: r.tool,
  size: r.size,
  changes: r.changes,
  medianMs: r.medianMs ?? null,
  minMs: r.minMs ?? null,
  maxMs: r.maxMs ?? null,
  ratioToFloor: r.ratioToFloor ?? null,
  ratioToShipgraph: r.ratioToShipgraph ?? null,
  peakRssMb: r.peakRssMb ?? null,
  treeRssMb: r.treeRssMb ?? null,
  runsMs: r.runs ?? null,
  ...(r.error ? { error: r.error } : {}),
}));
let md =
  `## shipgraph bench\n\nshipgraph ${shipgraphVersion}, nx ${PINS.nx}, turbo ${PINS.turbo}, node ${process.version}, ${os.cpus().length} cpus; ` +
  `median of ${runs} cold runs after 1 warm-up; × floor = median / (git diff + node -e 0); load average ${loadAtStart[0]} at the start.\n\n${markdown(tableRows)}\n`;
if (drift) {
  md += `\n### drift --quick (${drift.generatedFiles} checked-in generated files)\n\n| case | median ms | min | max | peak RSS MB |\n| --- | ---: | ---: | ---: | ---: |\n`;
  for (const [k, c] of Object.entries(drift.cases))
    md += c.error
      ? `| ${k} | failed: ${cell(c.error.slice(0, 120))} | | | |\n`
      : `| ${k === "fresh" ? "stamps fresh" : `one output edited (${c.file})`} | ${fmtMs(c.medianMs)} | ${fmtMs(c.minMs)} | ${fmtMs(c.maxMs)} | ${c.peakRssMb} |\n`;
  md += `\nGenerator processes started: ${drift.generatorStarted.length ? drift.generatorStarted.join("; ") : "none"}.\n`;
}
md += "\n### growth of `shipgraph affected`\n\n";
for (const [s, g] of Object.entries(growth.byChanges))
  md += `- ${s}, changed files ${g.map((x) => x.changes).join(" → ")}: ${g.map((x) => `${fmtMs(x.medianMs)} ms`).join(" → ")} (${g.map((x) => fmtX(x.ratio)).join(", ")})\n`;
if (sizes.length > 1)
  for (const [c, g] of Object.entries(growth.bySize))
    md += `- ${c} changed file(s), size ${g.map((x) => x.size).join(" → ")}: ${g.map((x) => `${fmtMs(x.medianMs)} ms`).join(" → ")} (${g.map((x) => fmtX(x.ratio)).join(", ")})\n`;
if (targets.length)
  md += `\n### targets\n\n${targets.map((t) => `- ${t.met ? "met" : "MISSED"}: ${t.target}: ${t.value}`).join("\n")}\n`;
const rebuilt = buildFingerprint() !== buildAtStart;
if (rebuilt) {
  failed = true;
  md +=
    "\n**Warning: packages/*/dist changed during the run (a rebuild): the shipgraph numbers mix two builds. Run again.**\n";
}
const disagreements = agreements.filter((a) => !a.ok);
md += `\n### agreement\n\n${disagreements.length ? disagreements.map((a) => `- ${a.size}/${a.changes}: ${JSON.stringify(a)}`).join("\n") : `shipgraph, Nx, turbo and the generator's model report the same affected packages on every size and change count run.`}\n`;
process.stdout.write(md);

const result = {
  schema: 1,
  date: new Date().toISOString(),
  machine: {
    loadAverage1mAtStart: loadAtStart[0],
    loadAverage1mAtEnd: Math.round(os.loadavg()[0] * 100) / 100,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    git: gitVersion,
    platform: `${process.platform}-${process.arch}`,
  },
  versions: {
    shipgraph: shipgraphVersion,
    projectCommit,
    shipgraphRebuiltDuringRun: rebuilt,
    nx: PINS.nx,
    turbo: PINS.turbo,
    generator: genHash,
  },
  settings: { sizes, changes, runs, warmup: 1, drift: opts.drift, envNotPassed: strippedNames },
  repos,
  agreement: agreements,
  rows: tableRows,
  drift,
  growth,
  targets,
  durationS: Math.round((performance.now() - started) / 1000),
};
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(`${outFile}.tmp`, `${JSON.stringify(sortKeys(result), null, 2)}\n`);
renameSync(`${outFile}.tmp`, outFile);
log(`wrote ${outFile} (${result.durationS} s)`);
process.exit(failed && !opts.keepGoing ? 1 : 0);
