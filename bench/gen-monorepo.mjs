#!/usr/bin/env node

// bench/gen-monorepo.mjs: writes a deterministic synthetic polyglot monorepo (pnpm workspace, buf v2
// module, checked-in generated code, services with Dockerfiles, shipgraph.yaml, nx.json, turbo.json)
// and commits it with git, for `pnpm bench`. Needs Node >= 20 and git; no dependencies.
//
// Usage:
//   node bench/gen-monorepo.mjs --out DIR [--size S|M|L] [--seed 1] [--packages N] [--files-per-package M]
//                               [--images K] [--protos P] [--changes 1,100,1000] [--scope acme]
//                               [--stale-gen] [--no-lockfile] [--force]
//
//   --size S|M|L           presets: S = 100 packages x 10 files, M = 1,000 x 20, L = 5,000 x 20
//   --packages N           library packages under packages/ (sdk-ts, the plugin and services come on top)
//   --files-per-package M  .ts source files per library (services get max(3, ceil(M/2)))
//   --images K             services/<name>/ with a Dockerfile, one shipgraph image each (default clamp(N/25, 2, 200))
//   --protos P             .proto files, 3 of them shared common/v1 ones (default clamp(N/8, 6, 400));
//                          each has 2 checked-in generated files (TypeScript and Go)
//   --changes C1,C2,...    one branch feature-<C> off main per count, editing exactly C files: one leaf-library
//                          file for C = 1; else one .proto with its 2 regenerated outputs (unless --stale-gen),
//                          ~30% leaf-library files, ~30% service files (sources and Dockerfiles), the rest
//                          other library files. "none": no branch. Default 1.
//   --force                replace DIR if it holds an earlier output of this script
//
// Result: DIR is a git repo with branch `main` (the tree, shipgraph.yaml included) and one branch
// feature-<C> per count, one commit ahead of main; the first is checked out; objects packed. Same arguments give the
// same files and the same commit ids. Writes DIR/.git/shipgraph-bench.json (commits, changed files and
// the affected workspace packages the generator's own model expects, per branch) and prints a summary
// line of JSON. `node_modules` (also a symlink), .nx/ and .turbo/ are git-ignored.
// Example: node bench/gen-monorepo.mjs --out /tmp/mono-s --size S --changes 1,100,1000

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, posix, resolve } from "node:path";

const started = performance.now();
const MARKER = ".gen-monorepo.json";
const PNPM_VERSION = "9.15.9";
const SIZES = { S: [100, 10], M: [1000, 20], L: [5000, 20] };

// ---------------------------------------------------------------- arguments
const SPEC = {
  out: "str",
  seed: "str",
  packages: "int",
  "files-per-package": "int",
  images: "int",
  protos: "int",
  size: "str",
  changes: "str",
  scope: "str",
  "stale-gen": "bool",
  "no-lockfile": "bool",
  force: "bool",
  help: "bool",
};
function usage(code, msg) {
  if (msg) {
    process.stderr.write(`gen-monorepo: ${msg} (see --help)\n`);
    process.exit(code);
  }
  const lines = readFileSync(new URL(import.meta.url), "utf8")
    .split("\n")
    .slice(1)
    .filter((l, i, all) => l || all.slice(0, i).some(Boolean)); // after the shebang and blank lines
  const text = lines
    .slice(
      0,
      lines.findIndex((l) => !l.startsWith("//")),
    )
    .map((l) => l.slice(3))
    .join("\n");
  (code ? process.stderr : process.stdout).write(`${text}\n`);
  process.exit(code);
}
function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    if (a === "-h") a = "--help";
    if (!a.startsWith("--")) {
      if (o.out === undefined) {
        o.out = a;
        continue;
      }
      usage(2, `unexpected argument ${a}`);
    }
    let [k, v] = a.slice(2).split(/=(.*)/s, 2);
    const type = SPEC[k];
    if (!type) usage(2, `unknown option --${k}`);
    if (type === "bool") {
      o[k] = true;
      continue;
    }
    if (v === undefined) {
      v = argv[++i];
      if (v === undefined) usage(2, `--${k} needs a value`);
    }
    if (type === "int") {
      if (!/^\d+$/.test(v)) usage(2, `--${k} must be a non-negative integer, got "${v}"`);
      o[k] = Number(v);
    } else o[k] = v;
  }
  return o;
}
const args = parseArgs(process.argv.slice(2));
if (args.help) usage(0);
if (!args.out) usage(2, "missing --out DIR");
const clamp = (x, lo, hi) => Math.max(lo, Math.min(hi, x));
if (args.size !== undefined && !SIZES[args.size])
  usage(2, `--size must be one of ${Object.keys(SIZES).join(", ")}`);
const [presetN, presetM] = SIZES[args.size ?? "S"];
const N = args.packages ?? presetN;
const M = args["files-per-package"] ?? presetM;
const K = args.images ?? clamp(Math.round(N / 25), 2, 200);
const P = Math.max(4, args.protos ?? clamp(Math.ceil(N / 8), 6, 400));
const CHANGES =
  (args.changes ?? "1") === "none"
    ? []
    : (args.changes ?? "1").split(",").map((x) => {
        if (!/^\d+$/.test(x.trim()))
          usage(
            2,
            `--changes must be a comma-separated list of non-negative integers, got "${args.changes}"`,
          );
        return Number(x.trim());
      });
if (new Set(CHANGES).size !== CHANGES.length) usage(2, "--changes has a repeated count");
const SEED = args.seed ?? "1";
const SCOPE = args.scope ?? "acme";
if (N < 1) usage(2, "--packages must be at least 1");
if (M < 1) usage(2, "--files-per-package must be at least 1");
if (!/^[a-z][a-z0-9-]*$/.test(SCOPE)) usage(2, "--scope must be lower-case letters, digits and dashes");
const OUT = resolve(args.out);

// ---------------------------------------------------------------- deterministic randomness
function xmur3(str) {
  let h = 1779033703 ^ str.length;
  for (let i = 0; i < str.length; i++) {
    h = Math.imul(h ^ str.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  return () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    h ^= h >>> 16;
    return h >>> 0;
  };
}
function rng(stream) {
  // sfc32, one independent stream per purpose so --change never alters `main`
  const h = xmur3(`${SEED}/${stream}`);
  let a = h(),
    b = h(),
    c = h(),
    d = h();
  const next = () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  next.int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  next.pick = (arr) => arr[Math.floor(next() * arr.length)];
  next.chance = (p) => next() < p;
  next.shuffle = (arr) => {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [arr[i], arr[j]] = [arr[j], arr[i]];
    }
    return arr;
  };
  return next;
}

// ---------------------------------------------------------------- vocabulary
const FOUNDATION = [
  "logger",
  "config",
  "errors",
  "types",
  "utils",
  "http",
  "telemetry",
  "env",
  "result",
  "validation",
  "i18n",
  "feature-flags",
  "crypto",
  "dates",
  "testing",
  "events",
  "cache",
  "retry",
  "schema",
  "ids",
  "money",
  "auth-core",
  "fs",
  "queue",
  "metrics",
  "tracing",
  "collections",
  "strings",
  "async",
  "json-tools",
];
const DOMAINS = [
  "billing",
  "payments",
  "accounts",
  "identity",
  "catalog",
  "inventory",
  "orders",
  "shipping",
  "search",
  "analytics",
  "notifications",
  "messaging",
  "reporting",
  "pricing",
  "checkout",
  "cart",
  "reviews",
  "recommendations",
  "media",
  "content",
  "profiles",
  "support",
  "compliance",
  "audit",
  "fraud",
  "ledger",
  "loyalty",
  "marketing",
  "onboarding",
  "scheduling",
  "geo",
  "warehouse",
  "returns",
  "subscriptions",
  "tax",
  "invoicing",
  "partners",
  "workflows",
  "admin",
  "storefront",
];
const KINDS = [
  "core",
  "api",
  "client",
  "models",
  "store",
  "ui",
  "hooks",
  "utils",
  "service",
  "sdk",
  "db",
  "queries",
  "mutations",
  "events",
  "workers",
  "validators",
  "mappers",
  "adapters",
  "fixtures",
  "config",
  "components",
  "forms",
  "state",
  "routes",
  "jobs",
  "cache",
  "policy",
  "schema",
  "graph",
  "rpc",
];
const SDK_KINDS = new Set(["api", "client", "rpc", "sdk", "models", "queries", "mutations", "graph"]);
const SVC_KINDS = [
  "api",
  "worker",
  "gateway",
  "indexer",
  "scheduler",
  "consumer",
  "web",
  "cron",
  "bff",
  "sync",
];
const MODULES = [
  "client",
  "service",
  "store",
  "handlers",
  "mapper",
  "validate",
  "format",
  "constants",
  "errors",
  "hooks",
  "selectors",
  "reducer",
  "schema",
  "query",
  "model",
  "helpers",
  "events",
  "cache",
  "adapter",
  "parser",
  "serializer",
  "policy",
  "metrics",
  "router",
  "context",
  "registry",
  "factory",
  "resolver",
  "middleware",
];
const ENTITIES = [
  "invoice",
  "payment",
  "account",
  "user",
  "order",
  "item",
  "shipment",
  "event",
  "report",
  "price",
  "quote",
  "ticket",
  "session",
  "token",
  "profile",
  "address",
  "product",
  "variant",
  "coupon",
  "refund",
  "transfer",
  "ledger_entry",
  "balance",
  "subscription",
  "plan",
  "notification",
  "template",
  "message",
  "channel",
  "review",
  "rating",
  "media_asset",
  "document",
  "policy",
  "rule",
  "job",
  "schedule",
  "warehouse",
  "stock_level",
  "partner",
];

const pascal = (s) =>
  s
    .split(/[-_/]/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join("");
const camel = (s) => {
  const p = pascal(s);
  return p[0].toLowerCase() + p.slice(1);
};
const plural = (s) =>
  /[^aeiou]y$/.test(s) ? `${s.slice(0, -1)}ies` : /(s|x|ch|sh)$/.test(s) ? `${s}es` : `${s}s`;

// ---------------------------------------------------------------- workspace package graph
const g = rng("graph");
const F = Math.min(N, Math.max(3, Math.min(30, Math.round(N / 50)))); // leaf libraries: no deps, used by many
const libs = []; // { short, name, dir, domain, kind, deps: Set<idx>, sdk: bool }
for (let i = 0; i < F; i++) {
  const short =
    i < FOUNDATION.length
      ? FOUNDATION[i]
      : `${FOUNDATION[i % FOUNDATION.length]}-${Math.floor(i / FOUNDATION.length) + 1}`;
  libs.push({ short, domain: "platform", kind: "foundation", deps: new Set(), sdk: false });
}
const combos = [];
for (const d of DOMAINS) for (const k of KINDS) combos.push([d, k]);
g.shuffle(combos);
for (let i = F, round = 0; i < N; round++) {
  for (const [d, k] of combos) {
    if (i >= N) break;
    libs.push({
      short: round ? `${d}-${k}-${round + 1}` : `${d}-${k}`,
      domain: d,
      kind: k,
      deps: new Set(),
      sdk: false,
    });
    i++;
  }
}
for (const l of libs) {
  l.name = `@${SCOPE}/${l.short}`;
  l.dir = `packages/${l.short}`;
}
// Zipf weights over leaf libraries: the first few (logger, config, errors) are used almost everywhere.
const zipf = [];
{
  let acc = 0;
  for (let i = 0; i < F; i++) {
    acc += 1 / (i + 1);
    zipf.push(acc);
  }
}
const pickLeaf = () => {
  const x = g() * zipf[F - 1];
  let i = 0;
  while (zipf[i] < x) i++;
  return i;
};
const byDomain = new Map();
const prefTargets = []; // one entry per edge into a non-leaf library: preferential attachment
let edges = 0;
for (let i = F; i < N; i++) {
  const l = libs[i];
  const want = Math.min(i, 1 + Math.min(14, Math.floor(-Math.log(1 - g()) * 2.6)));
  const same = byDomain.get(l.domain) ?? [];
  for (let tries = 0; l.deps.size < want && tries < want * 4; tries++) {
    const r = g();
    let j;
    if (r < 0.45) j = pickLeaf();
    else if (r < 0.75 && same.length) j = g.pick(same);
    else if (prefTargets.length && g.chance(0.7)) j = g.pick(prefTargets);
    else j = g.int(0, i - 1);
    if (!l.deps.has(j)) {
      l.deps.add(j);
      if (j >= F) prefTargets.push(j);
    }
  }
  l.sdk = g.chance(SDK_KINDS.has(l.kind) ? 0.35 : 0.03);
  edges += l.deps.size + (l.sdk ? 1 : 0);
  same.push(i);
  byDomain.set(l.domain, same);
}
const SDK = { short: "sdk-ts", name: `@${SCOPE}/sdk`, dir: "packages/sdk-ts" };
const PLUGIN = {
  short: "protoc-gen-acme-ts",
  name: `@${SCOPE}/protoc-gen-acme-ts`,
  dir: "plugins/protoc-gen-acme-ts",
};

// services: each depends on the SDK, a few leaf libraries and some domain libraries
const services = [];
{
  const svcCombos = [];
  for (const d of DOMAINS) for (const k of SVC_KINDS) svcCombos.push([d, k]);
  g.shuffle(svcCombos);
  for (let i = 0, round = 0; i < K; round++) {
    for (const [d, k] of svcCombos) {
      if (i >= K) break;
      const short = round ? `${d}-${k}-${round + 1}` : `${d}-${k}`;
      const deps = new Set();
      const nLeaf = Math.min(F, g.int(1, 3));
      while (deps.size < nLeaf) deps.add(pickLeaf());
      const same = byDomain.get(d) ?? [];
      const want = deps.size + g.int(2, 6);
      for (let tries = 0; deps.size < want && tries < 40; tries++) {
        deps.add(
          same.length && g.chance(0.6)
            ? g.pick(same)
            : prefTargets.length
              ? g.pick(prefTargets)
              : g.int(0, N - 1),
        );
      }
      services.push({
        short,
        domain: d,
        kind: k,
        name: `@${SCOPE}/svc-${short}`,
        dir: `services/${short}`,
        deps,
      });
      edges += deps.size + 1;
      i++;
    }
  }
}

// ---------------------------------------------------------------- proto model (mirrors FileDescriptorProto)
const pr = rng("protos");
const protoDomains = pr.shuffle(DOMAINS.slice()).slice(0, clamp(Math.ceil((P - 3) / 5), 1, DOMAINS.length));
const protos = []; // { name, package, dependency[], messageType[], service[], domain, entity }
const S = (name, number) => ({ name, number, label: 1, type: 9, typeName: "" });
const T = (name, number, type, typeName = "") => ({ name, number, label: 1, type, typeName });
protos.push({
  name: "common/v1/money.proto",
  package: "common.v1",
  dependency: [],
  domain: "common",
  entity: "money",
  messageType: [{ name: "Money", field: [S("currency_code", 1), T("units", 2, 3), T("nanos", 3, 5)] }],
  service: [],
});
protos.push({
  name: "common/v1/audit.proto",
  package: "common.v1",
  dependency: [],
  domain: "common",
  entity: "audit",
  messageType: [
    {
      name: "AuditInfo",
      field: [S("created_by", 1), T("created_at_unix", 2, 3), S("updated_by", 3), T("updated_at_unix", 4, 3)],
    },
  ],
  service: [],
});
protos.push({
  name: "common/v1/pagination.proto",
  package: "common.v1",
  dependency: [],
  domain: "common",
  entity: "pagination",
  messageType: [
    { name: "PageRequest", field: [T("page_size", 1, 5), S("page_token", 2)] },
    { name: "PageInfo", field: [S("next_page_token", 1), T("total_size", 2, 3)] },
  ],
  service: [],
});
{
  const used = new Map();
  const entityProtos = [];
  for (let i = 0; i < P - 3; i++) {
    const domain = protoDomains[i % protoDomains.length];
    const n = used.get(domain) ?? 0;
    used.set(domain, n + 1);
    const base = ENTITIES[(n + DOMAINS.indexOf(domain)) % ENTITIES.length];
    const entity = n < ENTITIES.length ? base : `${base}_${Math.floor(n / ENTITIES.length) + 1}`;
    const pkg = `${domain}.v1`;
    const E = pascal(entity);
    const fields = [
      S("id", 1),
      S("display_name", 2),
      T("created_at_unix", 3, 3),
      T("active", 4, 8),
      T("score", 5, 1),
    ];
    const deps = [];
    let num = 6;
    const ref = (file, typeName, fieldName) => {
      if (!deps.includes(file)) deps.push(file);
      fields.push(T(fieldName, num++, 11, typeName));
    };
    if (pr.chance(0.7)) ref("common/v1/money.proto", ".common.v1.Money", "amount");
    if (pr.chance(0.5)) ref("common/v1/audit.proto", ".common.v1.AuditInfo", "audit");
    for (let r = 0; r < 2 && entityProtos.length; r++) {
      if (!pr.chance(0.35)) continue;
      const o = pr.pick(entityProtos);
      if (deps.includes(o.name)) continue;
      ref(o.name, `.${o.package}.${pascal(o.entity)}`, `${o.domain}_${o.entity}`);
    }
    const listFields = [S("parent", 1)];
    const Es = pascal(plural(entity));
    const listResp = [T(plural(entity), 1, 11, `.${pkg}.${E}`)];
    listResp[0].label = 3;
    if (pr.chance(0.4)) {
      deps.push("common/v1/pagination.proto");
      listFields.push(T("page", 2, 11, ".common.v1.PageRequest"));
      listResp.push(T("page_info", 2, 11, ".common.v1.PageInfo"));
    }
    const p = {
      name: `${domain}/v1/${entity}.proto`,
      package: pkg,
      dependency: deps,
      domain,
      entity,
      messageType: [
        { name: E, field: fields },
        { name: `Get${E}Request`, field: [S("id", 1)] },
        { name: `Get${E}Response`, field: [T(entity, 1, 11, `.${pkg}.${E}`)] },
        { name: `List${Es}Request`, field: listFields },
        { name: `List${Es}Response`, field: listResp },
      ],
      service: [
        {
          name: `${E}Service`,
          method: [
            { name: `Get${E}`, inputType: `.${pkg}.Get${E}Request`, outputType: `.${pkg}.Get${E}Response` },
            {
              name: `List${Es}`,
              inputType: `.${pkg}.List${Es}Request`,
              outputType: `.${pkg}.List${Es}Response`,
            },
          ],
        },
      ],
    };
    protos.push(p);
    entityProtos.push(p);
  }
}

const SCALAR = {
  1: "double",
  2: "float",
  3: "int64",
  4: "uint64",
  5: "int32",
  8: "bool",
  9: "string",
  12: "bytes",
  13: "uint32",
};
function renderProto(p) {
  const out = ['syntax = "proto3";', "", `package ${p.package};`, ""];
  if (p.dependency.length) {
    for (const d of p.dependency) out.push(`import "${d}";`);
    out.push("");
  }
  for (const m of p.messageType) {
    out.push(`// ${m.name} is part of the synthetic ${p.domain} API.`, `message ${m.name} {`);
    for (const f of m.field) {
      const t =
        f.type === 11
          ? f.typeName.startsWith(`.${p.package}.`)
            ? f.typeName.slice(p.package.length + 2)
            : f.typeName.slice(1)
          : SCALAR[f.type];
      out.push(`  ${f.label === 3 ? "repeated " : ""}${t} ${f.name} = ${f.number};`);
    }
    out.push("}", "");
  }
  for (const s of p.service) {
    out.push(`// ${s.name} serves ${p.entity.replace(/_/g, " ")} records.`, `service ${s.name} {`);
    for (const r of s.method)
      out.push(
        `  rpc ${r.name}(${r.inputType.split(".").pop()}) returns (${r.outputType.split(".").pop()});`,
      );
    out.push("}", "");
  }
  return out.join("\n");
}

// The TypeScript renderer is shared verbatim with the local protoc plugin (embedded via toString),
// so `buf generate --template buf.gen.ts.yaml` reproduces the checked-in packages/sdk-ts/src/gen byte for byte.
function renderTs(file, typeToFile) {
  const kinds = {
    1: "number",
    2: "number",
    3: "bigint",
    4: "bigint",
    5: "number",
    8: "boolean",
    9: "string",
    12: "Uint8Array",
    13: "number",
    14: "number",
  };
  const camelName = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
  const ns = (f) => f.replace(/\.proto$/, "").replace(/[^A-Za-z0-9]/g, "_");
  const rel = (from, to) => {
    const a = from.split("/").slice(0, -1),
      b = to.split("/");
    let i = 0;
    while (i < a.length && i < b.length - 1 && a[i] === b[i]) i++;
    const up = a.length - i;
    return (up ? "../".repeat(up) : "./") + b.slice(i).join("/");
  };
  const used = new Set();
  const tsType = (f) => {
    let t = kinds[f.type] ?? "unknown";
    if (f.type === 11) {
      const target = typeToFile[f.typeName];
      const simple = f.typeName.split(".").pop();
      if (target === undefined) t = "unknown";
      else if (target === file.name) t = simple;
      else {
        used.add(target);
        t = `${ns(target)}.${simple}`;
      }
      if (f.label !== 3) t += " | undefined";
    }
    return f.label === 3 ? `${t.includes("|") ? `(${t})` : t}[]` : t;
  };
  const body = [];
  for (const m of file.messageType) {
    const typeName = `${file.package}.${m.name}`;
    body.push("", `/**`, ` * @generated from message ${typeName}`, ` */`, `export interface ${m.name} {`);
    for (const f of m.field)
      body.push(
        `  /** @generated from field: ${f.name} = ${f.number} */`,
        `  ${camelName(f.name)}: ${tsType(f)};`,
      );
    body.push("}", "", `export const ${m.name}TypeName = "${typeName}" as const;`);
  }
  for (const s of file.service) {
    body.push(
      "",
      `/**`,
      ` * @generated from service ${file.package}.${s.name}`,
      ` */`,
      `export const ${s.name} = {`,
      `  typeName: "${file.package}.${s.name}",`,
      `  methods: {`,
    );
    for (const r of s.method) {
      body.push(
        `    ${camelName(r.name[0].toLowerCase() + r.name.slice(1))}: { name: "${r.name}", I: "${r.inputType.slice(1)}", O: "${r.outputType.slice(1)}", kind: "unary" },`,
      );
    }
    body.push("  },", "} as const;");
  }
  const head = [
    `// @generated by protoc-gen-acme-ts v1.0.0 from ${file.name} (package ${file.package}). DO NOT EDIT.`,
    "/* eslint-disable */",
  ];
  const imports = file.dependency
    .filter((d) => used.has(d))
    .map((d) => `import type * as ${ns(d)} from "${rel(file.name, d.replace(/\.proto$/, "_pb.js"))}";`);
  if (imports.length) head.push("", ...imports);
  return `${head.concat(body).join("\n")}\n`;
}

function renderGo(file, typeToFile) {
  // a stand-in for protoc-gen-go output (not byte-identical to it)
  const goPkg = (f) =>
    `${f
      .split("/")
      .slice(0, -1)
      .filter((x) => x !== "v1")
      .join("")}v1`;
  const goType = {
    1: "float64",
    2: "float32",
    3: "int64",
    4: "uint64",
    5: "int32",
    8: "bool",
    9: "string",
    12: "[]byte",
    13: "uint32",
  };
  const wire = { 1: "fixed64", 3: "varint", 5: "varint", 8: "varint", 9: "bytes", 11: "bytes" };
  const imports = new Map();
  const lines = [];
  for (const m of file.messageType) {
    lines.push(
      "",
      `// ${m.name} is generated from message ${file.package}.${m.name}.`,
      `type ${m.name} struct {`,
    );
    for (const f of m.field) {
      let t = goType[f.type];
      if (f.type === 11) {
        const target = typeToFile[f.typeName];
        const simple = f.typeName.split(".").pop();
        if (target === file.name) t = `*${simple}`;
        else {
          const alias = goPkg(target);
          imports.set(alias, `example.com/${SCOPE}/gen/go/${target.split("/").slice(0, -1).join("/")}`);
          t = `*${alias}.${simple}`;
        }
      }
      if (f.label === 3) t = `[]${t}`;
      const goName = pascal(f.name).replace(/Id$/, "ID");
      lines.push(
        `\t${goName} ${t} \`protobuf:"${wire[f.type] ?? "bytes"},${f.number},${f.label === 3 ? "rep" : "opt"},name=${f.name},proto3" json:"${f.name},omitempty"\``,
      );
    }
    lines.push("}", "", `func (x *${m.name}) ProtoTypeName() string { return "${file.package}.${m.name}" }`);
  }
  const head = [
    "// Code generated by protoc-gen-go (synthetic stand-in). DO NOT EDIT.",
    `// source: ${file.name}`,
    "",
    `package ${goPkg(file.name)}`,
  ];
  if (imports.size) {
    head.push("", "import (");
    for (const [alias, path] of [...imports].sort((a, b) => (a[1] < b[1] ? -1 : 1)))
      head.push(`\t${alias} "${path}"`);
    head.push(")");
  }
  return `${head.concat(lines).join("\n")}\n`;
}

// ---------------------------------------------------------------- the local protoc plugin (plain Node, no deps)
const PLUGIN_SRC = `#!/usr/bin/env node
// protoc-gen-acme-ts: a dependency-free protoc plugin. Reads a CodeGeneratorRequest on stdin and
// writes one <name>_pb.ts per input .proto (interfaces, type names and service descriptors).
import { readFileSync } from 'node:fs';

function reader(buf) {
  let pos = 0;
  const varint = () => { let x = 0n, s = 0n, b; do { b = buf[pos++]; x |= BigInt(b & 0x7f) << s; s += 7n; } while (b & 0x80); return x; };
  return {
    more: () => pos < buf.length,
    tag: () => { const t = Number(varint()); return [t >>> 3, t & 7]; },
    varint: () => Number(varint()),
    bytes: () => { const n = Number(varint()); const b = buf.subarray(pos, pos + n); pos += n; return b; },
    skip(wt) { if (wt === 0) varint(); else if (wt === 1) pos += 8; else if (wt === 2) this.bytes(); else if (wt === 5) pos += 4; else throw new Error('unsupported wire type ' + wt); },
  };
}
const str = (b) => Buffer.from(b).toString('utf8');
function decode(buf, fields) { // fields: { number: [key, kind, repeated, subFields?] }
  const r = reader(buf), o = {};
  for (const f of Object.values(fields)) if (f[2]) o[f[0]] = [];
  while (r.more()) {
    const [n, wt] = r.tag(); const f = fields[n];
    if (!f) { r.skip(wt); continue; }
    const [key, kind, repeated, sub] = f;
    const v = kind === 'string' ? str(r.bytes()) : kind === 'int' ? r.varint() : decode(r.bytes(), sub);
    if (repeated) o[key].push(v); else o[key] = v;
  }
  return o;
}
const FIELD = { 1: ['name', 'string'], 3: ['number', 'int'], 4: ['label', 'int'], 5: ['type', 'int'], 6: ['typeName', 'string'] };
const MESSAGE = { 1: ['name', 'string'], 2: ['field', 'msg', true, FIELD] };
MESSAGE[3] = ['nestedType', 'msg', true, MESSAGE];
const METHOD = { 1: ['name', 'string'], 2: ['inputType', 'string'], 3: ['outputType', 'string'] };
const SERVICE = { 1: ['name', 'string'], 2: ['method', 'msg', true, METHOD] };
const FILE = { 1: ['name', 'string'], 2: ['package', 'string'], 3: ['dependency', 'string', true], 4: ['messageType', 'msg', true, MESSAGE], 6: ['service', 'msg', true, SERVICE] };
const REQUEST = { 1: ['fileToGenerate', 'string', true], 2: ['parameter', 'string'], 15: ['protoFile', 'msg', true, FILE] };

function encode(parts) { // parts: [fieldNumber, string | Buffer | number]
  const out = [];
  const varint = (x) => { const b = []; x = BigInt(x); do { let c = Number(x & 0x7fn); x >>= 7n; if (x) c |= 0x80; b.push(c); } while (x); return Buffer.from(b); };
  for (const [n, v] of parts) {
    if (typeof v === 'number') { out.push(varint(n * 8), varint(v)); continue; }
    const b = Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8');
    out.push(varint(n * 8 + 2), varint(b.length), b);
  }
  return Buffer.concat(out);
}

const renderTs = ${renderTs.toString()};

const req = decode(readFileSync(0), REQUEST);
for (const f of req.protoFile) { f.package ??= ''; for (const m of f.messageType) for (const x of m.field) { x.label ??= 1; x.typeName ??= ''; } }
const typeToFile = {};
for (const f of req.protoFile) for (const m of f.messageType) typeToFile['.' + (f.package ? f.package + '.' : '') + m.name] = f.name;
const files = [];
for (const name of req.fileToGenerate) {
  const f = req.protoFile.find((x) => x.name === name);
  files.push(encode([[1, name.replace(/\\.proto$/, '_pb.ts')], [15, renderTs(f, typeToFile)]]));
}
process.stdout.write(encode([[2, 1], ...files.map((b) => [15, b])]));
`;

// ---------------------------------------------------------------- TypeScript sources
function tsFile(owner, module, deps, cr) {
  // owner: { short, name }; deps: [{ short, name }]
  const P_ = pascal(owner.short),
    m = camel(module),
    Mo = pascal(module);
  const lines = [`// ${owner.name}: ${module} (synthetic source)`];
  for (const d of deps) lines.push(`import { describe${pascal(d.short)} } from '${d.name}';`);
  lines.push(`import type { ${P_}Options } from '${module.includes("/") ? "../" : "./"}types';`, "");
  lines.push(
    `export interface ${P_}${Mo}Result {`,
    "  readonly ok: boolean;",
    "  readonly value: string;",
    "  readonly attempts: number;",
    "}",
    "",
  );
  lines.push(
    `export function ${m}${P_}(input: string, options: Partial<${P_}Options> = {}): ${P_}${Mo}Result {`,
    `  const prefix = options.prefix ?? '${owner.short}';`,
    `  const parts = input.split(':').filter(Boolean);`,
    "  let value = prefix;",
    "  for (const part of parts) {",
    "    value += '/' + part.trim().toLowerCase();",
    "  }",
    `  const upstream = [${deps.map((d) => `describe${pascal(d.short)}()`).join(", ")}].join(',');`,
    `  return { ok: parts.length > 0, value: value + '#' + upstream.length, attempts: ${cr.int(1, 9)} };`,
    "}",
  );
  const extra = cr.int(0, 3);
  for (let i = 0; i < extra; i++) {
    const v = cr.int(0, 2),
      name = `${m}${["Batch", "Retry", "Index"][v]}${i}`;
    lines.push("");
    if (v === 0)
      lines.push(
        `export async function ${name}(items: readonly string[]): Promise<string[]> {`,
        "  const out: string[] = [];",
        "  for (const item of items) {",
        `    out.push((await Promise.resolve(item)).padStart(${cr.int(4, 24)}, '0'));`,
        "  }",
        "  return out;",
        "}",
      );
    else if (v === 1)
      lines.push(
        `export function ${name}<T>(fn: () => T, attempts = ${cr.int(2, 6)}): T {`,
        "  let last: unknown;",
        "  for (let i = 0; i < attempts; i++) {",
        "    try {",
        "      return fn();",
        "    } catch (err) {",
        "      last = err;",
        "    }",
        "  }",
        "  throw last;",
        "}",
      );
    else
      lines.push(
        `export const ${name}: ReadonlyMap<string, number> = new Map([`,
        ...Array.from({ length: cr.int(2, 6) }, (_, k) => `  ['${module}-${k}', ${cr.int(1, 9999)}],`),
        "]);",
      );
  }
  return `${lines.join("\n")}\n`;
}
function typesFile(owner) {
  const P_ = pascal(owner.short);
  return [
    `// ${owner.name}: shared types (synthetic source)`,
    `export interface ${P_}Options {`,
    "  readonly prefix?: string;",
    "  readonly retries?: number;",
    "  readonly timeoutMs?: number;",
    "}",
    "",
    `export type ${P_}Id = string & { readonly __brand: '${owner.short}' };`,
    "",
    `export const ${camel(owner.short)}Defaults: Required<${P_}Options> = { prefix: '${owner.short}', retries: 3, timeoutMs: 5000 };`,
    "",
  ].join("\n");
}
function moduleNames(count, cr) {
  // first is index, second types, then rotated module names
  const names = ["index"];
  if (count > 1) names.push("types");
  const off = cr.int(0, MODULES.length - 1);
  for (let j = 0; names.length < count; j++) {
    const base = MODULES[(off + j) % MODULES.length],
      round = Math.floor(j / MODULES.length);
    names.push(round ? `${base}-${round + 1}` : base);
  }
  return names.map((n, j) => (j >= 12 ? `lib/${n}` : n));
}
function indexFile(owner, modules, extraExports = []) {
  const P_ = pascal(owner.short);
  return [
    `// ${owner.name}: public entry point (synthetic source)`,
    ...modules.filter((x) => x !== "index").map((x) => `export * from './${x}';`),
    ...extraExports,
    "",
    `export const ${camel(owner.short)}PackageName = '${owner.name}';`,
    "",
    `export function describe${P_}(): string {`,
    `  return ${camel(owner.short)}PackageName + '@1.0.0';`,
    "}",
    "",
  ].join("\n");
}
const pkgJson = (name, deps, extra = {}) =>
  `${JSON.stringify(
    {
      name,
      version: "1.0.0",
      private: true,
      type: "module",
      main: "./dist/index.js",
      types: "./dist/index.d.ts",
      scripts: { build: "tsc -p tsconfig.json", test: "node --test dist", ...(extra.scripts ?? {}) },
      ...(deps.length
        ? {
            dependencies: Object.fromEntries(
              deps.map((d) => [d, "workspace:*"]).sort((a, b) => (a[0] < b[0] ? -1 : 1)),
            ),
          }
        : {}),
      ...(extra.bin ? { bin: extra.bin } : {}),
    },
    null,
    2,
  )}\n`;
const TSCONFIG = (depth) =>
  `${JSON.stringify(
    {
      extends: `${"../".repeat(depth)}tsconfig.base.json`,
      compilerOptions: { rootDir: "src", outDir: "dist" },
      include: ["src"],
    },
    null,
    2,
  )}\n`;

function dockerfile(s, depDirs) {
  const copyAll = s.kind !== "web" && s.kind !== "bff";
  return [
    "# syntax=docker/dockerfile:1.7",
    "FROM node:20-alpine AS build",
    "WORKDIR /repo",
    `RUN npm install -g pnpm@${PNPM_VERSION}`,
    "COPY package.json pnpm-workspace.yaml pnpm-lock.yaml tsconfig.base.json ./",
    ...(copyAll ? ["COPY packages/ packages/"] : depDirs.map((d) => `COPY ${d}/ ${d}/`)),
    `COPY ${s.dir}/ ${s.dir}/`,
    `RUN pnpm install --frozen-lockfile --filter "${s.name}..."`,
    `RUN pnpm --filter "${s.name}..." run build`,
    "",
    "FROM node:20-alpine",
    "WORKDIR /app",
    "ENV NODE_ENV=production",
    `COPY --from=build /repo/${s.dir}/dist ./dist`,
    `COPY --from=build /repo/${s.dir}/package.json ./package.json`,
    `EXPOSE ${3000 + ((s.short.length * 7) % 1000)}`,
    "USER node",
    'CMD ["node", "dist/main.js"]',
    "",
  ].join("\n");
}

// ---------------------------------------------------------------- write the tree
if (existsSync(OUT) && readdirSync(OUT).length) {
  if (!args.force) usage(2, `${OUT} exists and is not empty (use --force to replace an earlier output)`);
  if (!existsSync(join(OUT, MARKER)))
    usage(2, `${OUT} was not made by this script (no ${MARKER}); refusing to delete it`);
  rmSync(OUT, { recursive: true, force: true });
}
const made = new Set();
let fileCount = 0;
function write(rel, content) {
  const abs = join(OUT, rel),
    dir = abs.slice(0, abs.lastIndexOf("/"));
  if (!made.has(dir)) {
    mkdirSync(dir, { recursive: true });
    made.add(dir);
  }
  writeFileSync(abs, content);
  fileCount++;
}
// first, so that an interrupted run can still be replaced with --force
write(
  MARKER,
  `${JSON.stringify(
    { generator: "gen-monorepo.mjs", seed: SEED, packages: N, filesPerPackage: M, images: K, protos: P },
    null,
    2,
  )}\n`,
);
const cr = rng("content");
const typeToFile = {};
for (const p of protos) for (const m of p.messageType) typeToFile[`.${p.package}.${m.name}`] = p.name;
const protoTs = (p) => `packages/sdk-ts/src/gen/${p.name.replace(/\.proto$/, "_pb.ts")}`;
const protoGo = (p) => `gen/go/${p.name.replace(/\.proto$/, ".pb.go")}`;

const workspaces = ["packages/*", "services/*", "plugins/*"];
write(
  "package.json",
  `${JSON.stringify(
    {
      name: `${SCOPE}-monorepo`,
      version: "0.0.0",
      private: true,
      packageManager: `pnpm@${PNPM_VERSION}`,
      workspaces,
      scripts: {
        build: "turbo run build",
        "generate:ts": "buf generate --template buf.gen.ts.yaml",
        "generate:go": "buf generate --template buf.gen.go.yaml",
      },
    },
    null,
    2,
  )}\n`,
);
write("pnpm-workspace.yaml", `packages:\n${workspaces.map((w) => `  - '${w}'`).join("\n")}\n`);
// `node_modules` without a slash: the benchmark links the peers' node_modules in as a symlink, which
// `node_modules/` (directories only) would not ignore.
write(".gitignore", "node_modules\ndist/\n.nx/\n.turbo/\n*.tsbuildinfo\n");
write(
  "tsconfig.base.json",
  `${JSON.stringify(
    {
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        declaration: true,
        composite: true,
        skipLibCheck: true,
      },
    },
    null,
    2,
  )}\n`,
);
write(
  "turbo.json",
  `${JSON.stringify(
    {
      $schema: "https://turborepo.com/schema.json",
      tasks: {
        build: { dependsOn: ["^build"], outputs: ["dist/**"] },
        test: { dependsOn: ["build"], outputs: [] },
      },
    },
    null,
    2,
  )}\n`,
);
write(
  "nx.json",
  `${JSON.stringify(
    {
      $schema: "./node_modules/nx/schemas/nx-schema.json",
      defaultBase: "main",
      neverConnectToCloud: true,
      namedInputs: { default: ["{projectRoot}/**/*"], production: ["default"] },
      targetDefaults: {
        build: { dependsOn: ["^build"], outputs: ["{projectRoot}/dist"], cache: true },
        test: { dependsOn: ["build"], cache: true },
      },
    },
    null,
    2,
  )}\n`,
);
write(
  "buf.yaml",
  "version: v2\nmodules:\n  - path: proto\nlint:\n  use:\n    - STANDARD\nbreaking:\n  use:\n    - FILE\n",
);
write(
  "buf.gen.ts.yaml",
  [
    "version: v2",
    "inputs:",
    "  - directory: proto",
    "plugins:",
    `  - local: ["node", "${PLUGIN.dir}/bin/protoc-gen-acme-ts.mjs"]`,
    "    out: packages/sdk-ts/src/gen",
    "",
  ].join("\n"),
);
write(
  "buf.gen.go.yaml",
  [
    "version: v2",
    "managed:",
    "  enabled: true",
    "  override:",
    "    - file_option: go_package_prefix",
    `      value: example.com/${SCOPE}/gen/go`,
    "inputs:",
    "  - directory: proto",
    "plugins:",
    "  - local: protoc-gen-go",
    "    out: gen/go",
    "    opt: paths=source_relative",
    "",
  ].join("\n"),
);
// shipgraph's config is on `main`, so that no feature branch's diff includes it
{
  const y = [
    "# shipgraph config of the synthetic monorepo (written by bench/gen-monorepo.mjs)",
    "unowned: ignore",
    "",
    "protos:",
    "  core: { path: proto }",
    "",
    "generators:",
    "  ts-sdk:",
    "    template: buf.gen.ts.yaml",
    "    protos: [core]",
    `    inputs: ["${PLUGIN.dir}/**"]`,
    `    outputs: ["${SDK.dir}/src/gen/**"]`,
    "  go:",
    "    template: buf.gen.go.yaml",
    "    protos: [core]",
    '    outputs: ["gen/go/**"]',
    "",
    "# workspace packages come from pnpm-workspace.yaml",
    "packages: {}",
    "",
    "images:",
  ];
  for (const s of services) y.push(`  ${s.short}:`, `    context: ${s.dir}`);
  if (!services.length) y.push("  {}");
  write("shipgraph.yaml", `${y.join("\n")}\n`);
}
write(
  "README.md",
  `# ${SCOPE} synthetic monorepo\n\nGenerated by gen-monorepo.mjs (seed ${SEED}): ${N} libraries, ${K} services, ${P} protos.\n`,
);

// libraries
const libFiles = []; // per lib: list of file paths
for (let i = 0; i < N; i++) {
  const l = libs[i];
  const depObjs = [...l.deps].sort((a, b) => a - b).map((j) => libs[j]);
  if (l.sdk) depObjs.push(SDK);
  write(
    `${l.dir}/package.json`,
    pkgJson(
      l.name,
      depObjs.map((d) => d.name),
    ),
  );
  write(`${l.dir}/tsconfig.json`, TSCONFIG(2));
  write(
    `${l.dir}/README.md`,
    `# ${l.name}\n\n${l.kind === "foundation" ? "Foundation library used across the monorepo." : `The ${l.kind} layer of the ${l.domain} domain.`}\n`,
  );
  const mods = moduleNames(M, cr);
  const files = [];
  for (const mod of mods) {
    const path = `${l.dir}/src/${mod}.ts`;
    let text;
    if (mod === "index") text = indexFile(l, mods);
    else if (mod === "types") text = typesFile(l);
    else {
      const k = Math.min(depObjs.length, cr.int(0, 2)),
        picked = [];
      while (picked.length < k) {
        const d = cr.pick(depObjs);
        if (!picked.includes(d)) picked.push(d);
      }
      text = tsFile(l, mod, picked, cr);
    }
    write(path, text);
    files.push(path);
  }
  libFiles.push(files);
}
// SDK with checked-in generated code, 1:1 with the protos
write(
  `${SDK.dir}/package.json`,
  pkgJson(SDK.name, [], { scripts: { generate: "cd ../.. && buf generate --template buf.gen.ts.yaml" } }),
);
write(`${SDK.dir}/tsconfig.json`, TSCONFIG(2));
write(
  `${SDK.dir}/src/index.ts`,
  indexFile(
    SDK,
    ["index"],
    protos.map(
      (p) =>
        `export * as ${p.name.replace(/\.proto$/, "").replace(/[^A-Za-z0-9]/g, "_")} from './gen/${p.name.replace(/\.proto$/, "_pb.js")}';`,
    ),
  ),
);
for (const p of protos) {
  write(`proto/${p.name}`, renderProto(p));
  write(protoTs(p), renderTs(p, typeToFile));
  write(protoGo(p), renderGo(p, typeToFile));
}
// local protoc plugin
write(
  `${PLUGIN.dir}/package.json`,
  `${JSON.stringify(
    {
      name: PLUGIN.name,
      version: "1.0.0",
      private: true,
      type: "module",
      bin: { "protoc-gen-acme-ts": "./bin/protoc-gen-acme-ts.mjs" },
    },
    null,
    2,
  )}\n`,
);
write(`${PLUGIN.dir}/bin/protoc-gen-acme-ts.mjs`, PLUGIN_SRC);
write(
  `${PLUGIN.dir}/README.md`,
  `# ${PLUGIN.name}\n\nLocal protoc plugin used by buf.gen.ts.yaml; writes packages/sdk-ts/src/gen.\n`,
);
// services
const svcCount = Math.max(3, Math.ceil(M / 2));
const svcFiles = [];
for (const s of services) {
  const depObjs = [...s.deps].sort((a, b) => a - b).map((j) => libs[j]);
  depObjs.push(SDK);
  write(
    `${s.dir}/package.json`,
    pkgJson(
      s.name,
      depObjs.map((d) => d.name),
      { scripts: { start: "node dist/main.js" } },
    ),
  );
  write(`${s.dir}/tsconfig.json`, TSCONFIG(2));
  write(`${s.dir}/Dockerfile`, dockerfile(s, [...depObjs.map((d) => d.dir)]));
  write(`${s.dir}/.dockerignore`, "node_modules\ndist\n*.test.ts\n");
  const mods = moduleNames(svcCount, cr).map((x) => (x === "index" ? "main" : x));
  const files = [];
  for (const mod of mods) {
    const path = `${s.dir}/src/${mod}.ts`;
    if (mod === "main") {
      write(
        path,
        `import { describe${pascal(SDK.short)} } from '${SDK.name}';\n` +
          indexFile(
            s,
            mods.filter((x) => x !== "main"),
          ) +
          `\nconsole.log(describe${pascal(s.short)}(), describe${pascal(SDK.short)}());\n`,
      );
    } else if (mod === "types") write(path, typesFile(s));
    else write(path, tsFile(s, mod, depObjs.slice(0, cr.int(1, 2)), cr));
    files.push(path);
  }
  files.push(`${s.dir}/Dockerfile`);
  svcFiles.push(files);
}
// pnpm lockfile (workspace links only; the synthetic packages have no external dependencies)
const importers = [[".", []]];
for (const l of libs) importers.push([l.dir, [...l.deps].map((j) => libs[j]).concat(l.sdk ? [SDK] : [])]);
importers.push([SDK.dir, []], [PLUGIN.dir, []]);
for (const s of services) importers.push([s.dir, [...s.deps].map((j) => libs[j]).concat([SDK])]);
importers.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
if (!args["no-lockfile"]) {
  const y = [
    "lockfileVersion: '9.0'",
    "",
    "settings:",
    "  autoInstallPeers: true",
    "  excludeLinksFromLockfile: false",
    "",
    "importers:",
    "",
  ];
  for (const [dir, deps] of importers) {
    if (!deps.length) {
      y.push(`  ${dir}: {}`, "");
      continue;
    }
    y.push(`  ${dir}:`, "    dependencies:");
    for (const d of deps.slice().sort((a, b) => (a.name < b.name ? -1 : 1))) {
      y.push(
        `      '${d.name}':`,
        "        specifier: workspace:*",
        `        version: link:${posix.relative(dir, d.dir)}`,
      );
    }
    y.push("");
  }
  write("pnpm-lock.yaml", y.join("\n"));
}
const mainFiles = fileCount;
const writeMs = performance.now() - started;

// ---------------------------------------------------------------- git: main, then one branch per change count
const DATE = "2024-01-01T00:00:00Z";
const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: "gen-monorepo",
  GIT_AUTHOR_EMAIL: "gen@example.com",
  GIT_COMMITTER_NAME: "gen-monorepo",
  GIT_COMMITTER_EMAIL: "gen@example.com",
  GIT_AUTHOR_DATE: DATE,
  GIT_COMMITTER_DATE: DATE,
  GIT_CONFIG_NOSYSTEM: "1",
};
const git = (...a) =>
  execFileSync(
    "git",
    [
      "-c",
      "commit.gpgsign=false",
      "-c",
      "core.autocrlf=false",
      "-c",
      "core.fsmonitor=false",
      "-c",
      "gc.auto=0",
      "-c",
      "init.templateDir=",
      ...a,
    ],
    { cwd: OUT, env: gitEnv, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30 },
  )
    .toString()
    .trim();
git("init", "-q", "-b", "main");
git("add", "-A");
git(
  "commit",
  "-q",
  "-m",
  `synthetic monorepo: ${N} libraries x ${M} files, ${K} services, ${P} protos (seed ${SEED})`,
);
const mainSha = git("rev-parse", "HEAD");

// expected affected workspace packages: owners of changed files plus their transitive dependents
const owners = new Map();
for (const l of libs) owners.set(l.dir, l.name);
for (const s of services) owners.set(s.dir, s.name);
owners.set(SDK.dir, SDK.name);
owners.set(PLUGIN.dir, PLUGIN.name);
const dependents = new Map();
const addEdge = (from, to) => {
  if (!dependents.has(to)) dependents.set(to, []);
  dependents.get(to).push(from);
};
for (const l of libs) {
  for (const j of l.deps) addEdge(l.name, libs[j].name);
  if (l.sdk) addEdge(l.name, SDK.name);
}
for (const s of services) {
  for (const j of s.deps) addEdge(s.name, libs[j].name);
  addEdge(s.name, SDK.name);
}
function expectedAffected(changed) {
  const affected = new Set();
  const stack = [];
  for (const f of changed) {
    const d = f.split("/").slice(0, 2).join("/");
    if (owners.has(d)) stack.push(owners.get(d));
  }
  while (stack.length) {
    const n = stack.pop();
    if (affected.has(n)) continue;
    affected.add(n);
    for (const x of dependents.get(n) ?? []) stack.push(x);
  }
  return [...affected].sort();
}

const branches = {};
const leafPool = libFiles.slice(0, F).flat(),
  libPool = libFiles.slice(F).flat(),
  svcPool = svcFiles.flat();
for (const C of CHANGES) {
  const branch = `feature-${C}`;
  git("checkout", "-q", "-b", branch, mainSha);
  const ch = rng(`change/${C}`);
  const changed = new Set();
  const counts = { leafLib: 0, lib: 0, proto: 0, gen: 0, service: 0 };
  let proto = null;
  if (C >= 3) {
    // one proto and its regenerated outputs
    const candidates = protos.filter(
      (p) => p.service.length && protos.some((q) => q.dependency.includes(p.name)),
    );
    proto = ch.pick(candidates.length ? candidates : protos.slice(3).length ? protos.slice(3) : protos);
    const m = proto.messageType[0];
    m.field.push({
      name: "change_note",
      number: Math.max(...m.field.map((f) => f.number)) + 1,
      label: 1,
      type: 9,
      typeName: "",
    });
    writeFileSync(join(OUT, "proto", proto.name), renderProto(proto));
    changed.add(`proto/${proto.name}`);
    counts.proto++;
    if (!args["stale-gen"]) {
      writeFileSync(join(OUT, protoTs(proto)), renderTs(proto, typeToFile));
      writeFileSync(join(OUT, protoGo(proto)), renderGo(proto, typeToFile));
      changed.add(protoTs(proto));
      changed.add(protoGo(proto));
      counts.gen += 2;
    }
    m.field.pop(); // the model stays main's for the next branch
  }
  const rest = C - changed.size;
  let nLeaf = rest ? Math.max(1, Math.round(rest * 0.3)) : 0;
  let nSvc = svcPool.length ? Math.round(rest * 0.3) : 0;
  while (nLeaf + nSvc > rest) {
    if (nSvc) nSvc--;
    else nLeaf--;
  }
  const plan = [
    [leafPool, nLeaf, "leafLib"],
    [svcPool, nSvc, "service"],
    [libPool, rest - nLeaf - nSvc, "lib"],
  ];
  const queues = plan.map(([pool]) => ch.shuffle(pool.slice()));
  const take = (q, kind) => {
    while (q.length) {
      const path = q.pop();
      if (changed.has(path)) continue;
      changed.add(path);
      counts[kind]++;
      const abs = join(OUT, path);
      if (path.endsWith("/Dockerfile"))
        writeFileSync(
          abs,
          `${readFileSync(abs, "utf8")}LABEL org.opencontainers.image.revision="change-${changed.size}"\n`,
        );
      else
        writeFileSync(
          abs,
          `${readFileSync(abs, "utf8")}\nexport const changeMarker${changed.size} = ${ch.int(1, 1e6)};\n`,
        );
      return true;
    }
    return false;
  };
  let short = 0;
  plan.forEach(([, n, kind], i) => {
    for (let k = 0; k < n; k++) if (!take(queues[i], kind)) short++;
  });
  for (let i = 0; short > 0 && i < plan.length; i++) while (short > 0 && take(queues[i], plan[i][2])) short--; // spill over
  if (short > 0) usage(2, `--changes ${C}: the repository has only ${C - short} files this script edits`);
  git("add", "-A");
  git("commit", "-q", "--allow-empty", "-m", `feature: edit ${changed.size} files`);
  branches[C] = {
    branch,
    head: git("rev-parse", "HEAD"),
    changedFiles: changed.size,
    changed: counts,
    proto: proto?.name ?? null,
    expectedAffected: expectedAffected(changed),
  };
}
if (CHANGES.length) git("checkout", "-q", branches[CHANGES[0]].branch);
else git("checkout", "-q", "main");
// Objects in one pack, as in any clone (what CI runs on): left loose (one file each, 129k on L),
// they made every git call slower than on a real repository (`git diff` of 1,000 changed files
// on M: 33 ms loose, 7 ms packed). ~13 s on L.
git("repack", "-a", "-d", "-q");

const fanIn = new Map();
for (const [to, from] of dependents) fanIn.set(to, from.length);
const top = [...fanIn].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 3);
const summary = {
  dir: OUT,
  seed: SEED,
  libraries: N,
  leafLibraries: F,
  filesPerPackage: M,
  services: K,
  protos: P,
  generatedFiles: 2 * P,
  workspacePackages: N + K + 2,
  dependencyEdges: edges,
  topFanIn: Object.fromEntries(top),
  trackedFiles: mainFiles,
  main: mainSha,
  branches,
  writeMs: Math.round(writeMs),
  totalMs: Math.round(performance.now() - started),
};
writeFileSync(join(OUT, ".git", "shipgraph-bench.json"), `${JSON.stringify(summary, null, 2)}\n`);
console.log(
  JSON.stringify({
    ...summary,
    branches: Object.fromEntries(
      Object.entries(branches).map(([c, b]) => [
        c,
        {
          branch: b.branch,
          head: b.head,
          changedFiles: b.changedFiles,
          changed: b.changed,
          expectedAffectedPackages: b.expectedAffected.length,
        },
      ]),
    ),
  }),
);
