import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { discoverImages, type ImageCandidate, type ImageDiscovery, imageSourceFiles } from "./images.js";

const discover = (files: Record<string, string>): ImageDiscovery =>
  discoverImages(new Map(Object.entries(files)));
const byName = (result: ImageDiscovery, name: string): ImageCandidate => {
  const image = result.images.find((i) => i.name === name);
  if (!image) throw new Error(`no image ${name} in ${result.images.map((i) => i.name).join(", ")}`);
  return image;
};

const COMPOSE = `x-node-build: &node-build
  args:
    NODE_VERSION: "20"

services:
  api:
    build:
      <<: *node-build
      context: ./services/api
      target: prod
      additional_contexts:
        protos: ./proto
        node: docker-image://node:20-alpine
    image: ghcr.io/acme/api:\${TAG:-latest}
    ports: ["8080:8080"]

  worker:
    build:
      context: \${WORKER_DIR:-services/worker}
      dockerfile: ../../docker/worker.Dockerfile
      args:
        - APP_ENV=production
        - GIT_SHA
      additional_contexts:
        - shared=./libs/shared
        - api=service:api
    depends_on: [api]

  postgres:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: example
`;

const BAKE = `variable "TAG" {
  default = "latest"
}

variable "REGISTRY" {
  default = "ghcr.io/acme"
}

group "default" {
  targets = ["api", "base"]
}

# shared settings, inherited only
target "_node" {
  args = {
    NODE_VERSION = "20"
  }
}

target "base" {
  context = "docker/base"
  tags    = ["\${REGISTRY}/base:\${TAG}"]
}

target "api" {
  inherits = ["_node"]
  context  = "services/api"
  target   = "prod"
  contexts = {
    protos = "proto"
    base   = "target:base"
  }
  tags = ["\${REGISTRY}/api:\${TAG}"]
}
`;

const BAKE_JSON = `{
  "variable": {
    "APP": { "default": "admin" }
  },
  "target": {
    "admin": {
      "context": "apps/\${APP}",
      "dockerfile": "Dockerfile.prod",
      "args": { "BASE_PATH": "/admin", "DEBUG": null }
    }
  }
}
`;

const WORKFLOW = `name: cd
on:
  push:
    branches: [main]
env:
  REGISTRY: ghcr.io/acme
jobs:
  gateway:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: docker/setup-buildx-action@v3
      - name: Build gateway
        uses: docker/build-push-action@v6
        with:
          context: services/gateway
          file: ./services/gateway/docker/Dockerfile
          target: runtime
          build-contexts: |
            protos=proto
            alpine=docker-image://alpine:3.20
          build-args: |
            VERSION=\${{ github.sha }}
            MODE=release
          tags: \${{ env.REGISTRY }}/gateway:\${{ github.sha }}
          push: true
  backend:
    runs-on: ubuntu-latest
    defaults:
      run:
        working-directory: backend
    steps:
      - uses: actions/checkout@v4
      - name: Build x
        id: build-x
        run: |
          echo "building x"
          docker build -f services/x/Dockerfile --target prod .
  per-service:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        include:
          - context: services/a
          - context: services/b
    steps:
      - uses: actions/checkout@v4
      - uses: docker/build-push-action@v6
        with:
          context: \${{ matrix.context }}
          push: false
`;

describe("compose files", () => {
  const result = discover({ "compose.yaml": COMPOSE });

  it("finds built services, with merge keys, interpolation defaults and both additional_contexts forms", () => {
    expect(result.images).toEqual([
      {
        name: "api",
        context: "services/api",
        dockerfile: "services/api/Dockerfile",
        target: "prod",
        // an image context stays as written: the Dockerfile reads it where it names it
        additionalContexts: { node: "docker-image://node:20-alpine", protos: "proto" },
        foundIn: ["compose.yaml:6"],
        buildArgs: { NODE_VERSION: "20" },
        tags: ["ghcr.io/acme/api"],
        notes: ["tagged ghcr.io/acme/api"],
      },
      {
        name: "worker",
        context: "services/worker",
        // dockerfile is relative to the context, not to the compose file
        dockerfile: "docker/worker.Dockerfile",
        additionalContexts: { shared: "libs/shared" },
        foundIn: ["compose.yaml:17"],
        buildArgs: { APP_ENV: "production" },
        dependsOn: ["api"],
        unknownArgs: ["GIT_SHA"],
        notes: [
          'build context "${WORKER_DIR:-services/worker}" taken as "services/worker" (the default)',
          "build arg GIT_SHA has no value here (compose takes it from the environment)",
          'additional context api = service:api: built from compose service "api" (a dependency: dependsOn image:api)',
        ],
      },
    ]);
    expect(result.problems).toEqual([]);
  });

  it("resolves paths against the compose file's directory", () => {
    const nested = discover({
      "deploy/local/docker-compose.yml": `services:
  web:
    build: ../../apps/web
  docs:
    build:
      context: .
      dockerfile: docs.Dockerfile
`,
    });
    expect(nested.images.map((i) => [i.name, i.context, i.dockerfile])).toEqual([
      ["docs", "deploy/local", "deploy/local/docs.Dockerfile"],
      ["web", "apps/web", "apps/web/Dockerfile"],
    ]);
  });

  it("reports variables without default, git contexts and paths leaving the repo", () => {
    const bad = discover({
      "compose.yaml": `services:
  a:
    build:
      context: \${APP_DIR}
  b:
    build: https://github.com/acme/b.git#main
  c:
    build:
      context: ../outside
  d:
    build:
      context: .
      dockerfile_inline: |
        FROM alpine
`,
    });
    expect(bad.problems).toEqual([
      'compose.yaml:4: service a: build context "${APP_DIR}": ${APP_DIR} has no default (compose takes it from the environment or .env)',
      "compose.yaml:6: service b: build context https://github.com/acme/b.git#main is a remote (Git/URL) context, not a directory of this repository",
      'compose.yaml:9: service c: build context "../outside" leaves the repository',
    ]);
    expect(bad.images).toHaveLength(1);
    expect(bad.images[0]).toMatchObject({ name: "d", context: "", dockerfile: "Dockerfile" });
    expect(bad.images[0]!.notes.join("\n")).toMatch(/dockerfile_inline/);
  });

  it("merges compose.<x>.yaml overrides over the base file and follows extends", () => {
    const merged = discover({
      "compose.yaml": `services:
  api:
    build:
      context: services/api
      args: { A: "1" }
  api-debug:
    extends: api
    build:
      target: debug
`,
      "compose.prod.yaml": `services:
  api:
    build:
      target: prod
      args: { B: "2" }
`,
    });
    expect(merged.problems).toEqual([]);
    expect(merged.images.map((i) => [i.name, i.context, i.dockerfile, i.target, i.buildArgs])).toEqual([
      ["api", "services/api", "services/api/Dockerfile", undefined, { A: "1" }],
      ["api-debug", "services/api", "services/api/Dockerfile", "debug", { A: "1" }],
      ["api-prod", "services/api", "services/api/Dockerfile", "prod", { A: "1", B: "2" }],
    ]);
    expect(byName(merged, "api").foundIn).toEqual(["compose.yaml:2"]);
    expect(byName(merged, "api-prod").foundIn).toEqual(["compose.prod.yaml:2"]);
  });

  it("turns a YAML syntax error into a problem and carries on with the other files", () => {
    const broken = discover({
      "compose.yaml": "services:\n  api:\n    build: [\n",
      "apps/web/compose.yml": "services:\n  web:\n    build: .\n",
    });
    expect(broken.images.map((i) => i.name)).toEqual(["web"]);
    expect(broken.problems).toHaveLength(1);
    expect(broken.problems[0]).toMatch(/^compose\.yaml:\d+: .*\(file skipped\)$/);
  });
});

describe("docker-bake files", () => {
  it("applies variables, inherits and groups; skips inherit-only templates; notes target: contexts", () => {
    const result = discover({ "docker-bake.hcl": BAKE });
    expect(result.problems).toEqual([]);
    expect(result.images).toEqual([
      {
        name: "api",
        context: "services/api",
        dockerfile: "services/api/Dockerfile",
        target: "prod",
        additionalContexts: { protos: "proto" },
        foundIn: ["docker-bake.hcl:25"],
        buildArgs: { NODE_VERSION: "20" },
        dependsOn: ["base"],
        tags: ["ghcr.io/acme/api"],
        notes: [
          'additional context base = target:base: built from bake target "base" (a dependency: dependsOn image:base)',
          "in bake group default",
          "tagged ghcr.io/acme/api",
        ],
      },
      {
        name: "base",
        context: "docker/base",
        dockerfile: "docker/base/Dockerfile",
        additionalContexts: {},
        foundIn: ["docker-bake.hcl:20"],
        tags: ["ghcr.io/acme/base"],
        notes: ["in bake group default", "tagged ghcr.io/acme/base"],
      },
    ]);
  });

  it("reads docker-bake.json (strings interpolate) relative to its directory", () => {
    const result = discover({ "deploy/docker-bake.json": BAKE_JSON });
    expect(result.problems).toEqual([]);
    expect(result.images).toEqual([
      {
        name: "admin",
        context: "deploy/apps/admin",
        dockerfile: "deploy/apps/admin/Dockerfile.prod",
        additionalContexts: {},
        foundIn: ["deploy/docker-bake.json:6"],
        buildArgs: { BASE_PATH: "/admin" },
        notes: ["paths resolved against deploy/, assuming bake runs there"],
      },
    ]);
  });

  it("merges docker-bake.override.hcl over docker-bake.hcl and expands literal matrices", () => {
    const result = discover({
      "docker-bake.hcl": `variable "REGISTRY" {}
target "svc" {
  name       = "svc-\${item}"
  matrix     = { item = ["billing", "search"] }
  context    = "services/\${item}"
  dockerfile = "../../docker/service.Dockerfile"
  args       = { SERVICE = item }
}
target "edge" {
  context = "edge"
  tags    = ["\${REGISTRY}/edge"]
}
`,
      "docker-bake.override.hcl": `target "edge" {
  dockerfile = "Dockerfile.edge"
}
`,
    });
    expect(result.problems).toEqual([]);
    expect(result.images.map((i) => [i.name, i.context, i.dockerfile, i.buildArgs, i.foundIn])).toEqual([
      ["edge", "edge", "edge/Dockerfile.edge", undefined, ["docker-bake.hcl:9"]],
      [
        "svc-billing",
        "services/billing",
        "docker/service.Dockerfile",
        { SERVICE: "billing" },
        ["docker-bake.hcl:2"],
      ],
      [
        "svc-search",
        "services/search",
        "docker/service.Dockerfile",
        { SERVICE: "search" },
        ["docker-bake.hcl:2"],
      ],
    ]);
  });

  it("reports a variable without default, an unknown parent, a dangling target: context and bad HCL", () => {
    const result = discover({
      "docker-bake.hcl": `variable "SERVICES_DIR" {}
target "tools" {
  context = "\${SERVICES_DIR}/tools"
}
target "child" {
  inherits = ["nope"]
}
target "app" {
  contexts = { base = "target:missing" }
}
`,
      "legacy/docker-bake.hcl": `target "x" {\n  context = "unterminated\n}\n`,
    });
    expect(result.problems).toEqual([
      'docker-bake.hcl:3: target "tools": context: variable "SERVICES_DIR" (docker-bake.hcl:1) has no default (bake takes it from the environment)',
      'docker-bake.hcl:6: target "child": inherits unknown target "nope"',
      'docker-bake.hcl:8: target "app": context base = target:missing names no target of this bake file',
      "legacy/docker-bake.hcl:2: cannot parse HCL: unterminated string (a newline in a quoted string) (file skipped)",
    ]);
    expect(result.images.map((i) => i.name)).toEqual(["app"]);
  });
});

describe("GitHub workflows", () => {
  const result = discover({ ".github/workflows/cd.yml": WORKFLOW });

  it("reads docker/build-push-action: context, file (from the workspace), target, build-contexts, args, tags", () => {
    expect(byName(result, "gateway")).toEqual({
      name: "gateway",
      context: "services/gateway",
      dockerfile: "services/gateway/docker/Dockerfile",
      target: "runtime",
      additionalContexts: { alpine: "docker-image://alpine:3.20", protos: "proto" },
      foundIn: [".github/workflows/cd.yml:13"],
      buildArgs: { MODE: "release" },
      unknownArgs: ["VERSION"],
      tags: ["ghcr.io/acme/gateway"],
      notes: ["build arg VERSION is set from ${{ github.sha }}", "tagged ghcr.io/acme/gateway"],
    });
  });

  it("reads docker build in run steps relative to the working directory, named by the step id", () => {
    expect(byName(result, "build-x")).toEqual({
      name: "build-x",
      context: "backend",
      dockerfile: "backend/services/x/Dockerfile",
      target: "prod",
      additionalContexts: {},
      foundIn: [".github/workflows/cd.yml:38"],
      notes: [],
    });
  });

  it("reports a context from ${{ matrix.context }} with file:line", () => {
    expect(result.problems).toEqual([
      '.github/workflows/cd.yml:50: build-push-action context "${{ matrix.context }}" uses ${{ matrix.context }}, which cannot be resolved statically',
    ]);
    expect(result.images.map((i) => i.name)).toEqual(["build-x", "gateway"]);
  });

  it("uses the Git context when build-push-action has no context, and {{defaultContext}}:subdir", () => {
    const git = discover({
      ".github/workflows/release.yml": `on: push
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - id: meta
        uses: docker/metadata-action@v5
        with:
          images: |
            ghcr.io/acme/site
      - uses: docker/build-push-action@v6
        with:
          tags: \${{ steps.meta.outputs.tags }}
      - id: docs
        uses: docker/build-push-action@v6
        with:
          context: "{{defaultContext}}:docs"
          file: build/Dockerfile
`,
    });
    expect(git.problems).toEqual([]);
    expect(git.images.map((i) => [i.name, i.context, i.dockerfile])).toEqual([
      ["docs", "docs", "docs/build/Dockerfile"],
      ["site", "", "Dockerfile"],
    ]);
    expect(byName(git, "site").notes[0]).toMatch(/without `context` builds the Git context/);
  });

  it("parses shell scripts: continuations, &&, cd, env, heredocs, buildx, --build-context/--build-arg", () => {
    const script = discover({
      ".github/workflows/images.yml": `on: push
env:
  IMAGE_PREFIX: ghcr.io/acme
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: build all
        env:
          APP: billing
        run: |
          set -euo pipefail
          cd services && docker buildx build \\
            --platform linux/amd64,linux/arm64 \\
            --build-context protos=../proto \\
            --build-arg "APP=$APP" --build-arg VERSION="\${{ github.sha }}" \\
            --tag "$IMAGE_PREFIX/$APP:latest" --push \\
            "$APP"
          cat <<EOF > note.txt
          docker build -t ignored .
          EOF
          (cd "$GITHUB_WORKSPACE/tools" && docker image build -qt tools -f ci.Dockerfile .)
          docker build -t from-stdin - < Dockerfile
          docker build -t ghcr.io/acme/unknown "$UNSET_DIR"
`,
    });
    expect(script.images.map((i) => [i.name, i.context, i.dockerfile, i.foundIn])).toEqual([
      ["billing", "services/billing", "services/billing/Dockerfile", [".github/workflows/images.yml:14"]],
      ["tools", "tools", "tools/ci.Dockerfile", [".github/workflows/images.yml:23"]],
    ]);
    const billing = byName(script, "billing");
    expect(billing.additionalContexts).toEqual({ protos: "proto" });
    expect(billing.buildArgs).toEqual({ APP: "billing" });
    expect(billing.notes).toContain("build arg VERSION is set from ${{ github.sha }}");
    expect(script.problems).toEqual([
      ".github/workflows/images.yml:24: docker build reads its context from stdin (-): there is no context directory",
      ".github/workflows/images.yml:25: docker build context uses $UNSET_DIR, which cannot be resolved statically",
    ]);
  });

  it("turns unparseable workflow YAML into a problem", () => {
    const broken = discover({ ".github/workflows/bad.yml": "jobs:\n  build: {\n  steps: [\n" });
    expect(broken.images).toEqual([]);
    expect(broken.problems).toHaveLength(1);
    expect(broken.problems[0]).toMatch(/^\.github\/workflows\/bad\.yml:\d+: .*\(file skipped\)$/);
  });
});

describe("merging and naming", () => {
  it("merges the same (context, dockerfile, target) from compose and bake into one candidate", () => {
    const result = discover({ "compose.yaml": COMPOSE, "docker-bake.hcl": BAKE });
    const api = byName(result, "api");
    expect(api.foundIn).toEqual(["compose.yaml:6", "docker-bake.hcl:25"]);
    // a context only compose gives replaces nothing in the bake build: only the image counts
    expect(api.additionalContexts).toEqual({ protos: "proto" });
    expect(api.contextImages).toEqual(["node:20-alpine"]);
    expect(api.notes).toContain(
      "additional context node = docker-image://node:20-alpine is given by compose.yaml:6 only: it replaces no stage or image here (its image counts)",
    );
    expect(result.images.map((i) => i.name)).toEqual(["api", "base", "worker"]);
  });

  it("gives different images with one name deterministic suffixes, and sanitises names", () => {
    const files = {
      "compose.yaml": "services:\n  web:\n    build: apps/web\n",
      "tools/compose.yaml": "services:\n  web:\n    build: .\n  _Admin UI:\n    build: admin\n",
    };
    const result = discover(files);
    expect(result.images.map((i) => [i.name, i.context])).toEqual([
      ["Admin-UI", "tools/admin"],
      ["web", "apps/web"],
      ["web-2", "tools"],
    ]);
    expect(discover(Object.fromEntries(Object.entries(files).reverse()))).toEqual(result);
  });
});

describe("imageSourceFiles", () => {
  it("picks compose, bake and workflow files", () => {
    expect(
      imageSourceFiles([
        "README.md",
        "compose.yaml",
        "deploy/docker-compose.prod.yml",
        "services/api/compose.override.yaml",
        "docker-bake.hcl",
        "docker-bake.override.hcl",
        "deploy/docker-bake.json",
        ".github/workflows/cd.yml",
        ".github/workflows/lint.yaml",
        ".github/workflows/scripts/helper.yml",
        "node_modules/pkg/compose.yaml",
        "composer.yaml",
        "services/api/Dockerfile",
      ]),
    ).toEqual([
      ".github/workflows/cd.yml",
      ".github/workflows/lint.yaml",
      "compose.yaml",
      "deploy/docker-bake.json",
      "deploy/docker-compose.prod.yml",
      "docker-bake.hcl",
      "docker-bake.override.hcl",
      "services/api/compose.override.yaml",
    ]);
  });
});

describe("robustness", () => {
  it("reports an alias to an undefined YAML anchor instead of throwing", () => {
    const result = discover({ "compose.yaml": "services:\n  api:\n    build: *nowhere\n" });
    expect(result.images).toEqual([]);
    expect(result.problems).toEqual([
      expect.stringMatching(/^compose\.yaml:3: .*nowhere.*\(file skipped\)$/),
    ]);
  });

  it("never throws on damaged files, and every name it returns is valid", () => {
    const fixtures: [string, string][] = [
      ["compose.yaml", COMPOSE],
      ["docker-bake.hcl", BAKE],
      ["docker-bake.json", BAKE_JSON],
      [".github/workflows/cd.yml", WORKFLOW],
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...fixtures),
        fc.nat(),
        fc.nat({ max: 30 }),
        fc.string({ maxLength: 6, unit: fc.constantFrom(..."{}[]\"'$\\:=\n #-<>|&;`*~.x") }),
        ([file, text], at, cut, insert) => {
          const start = at % (text.length + 1);
          const damaged = text.slice(0, start) + insert + text.slice(start + cut);
          const result = discoverImages(new Map([[file, damaged]]));
          for (const image of result.images) expect(image.name).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
          for (const problem of result.problems) expect(problem).toMatch(/^[^:]+:\d+: /);
        },
      ),
      { numRuns: 300 },
    );
  });
});
