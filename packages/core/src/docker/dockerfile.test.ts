import { describe, expect, it } from "vitest";
import { analyzeDockerfile } from "./analyze.js";
import { dockerfileSyntax, parseDockerfile } from "./dockerfile.js";
import { changedDotenvKeys, parseDotenv } from "./dotenv.js";

describe("parseDockerfile", () => {
  it("joins continuations, drops comment lines inside them, keeps the start line", () => {
    const ins = parseDockerfile("FROM a\n\nRUN one \\\n  # note\n  two\nCOPY --chown=1:1 --link x y /z\n");
    expect(ins.map((i) => [i.keyword, i.line, i.args])).toEqual([
      ["FROM", 1, ["a"]],
      ["RUN", 3, ["one", "two"]],
      ["COPY", 6, ["x", "y", "/z"]],
    ]);
    expect(ins[2]!.flags).toEqual([
      { name: "chown", value: "1:1" },
      { name: "link", value: "" },
    ]);
  });

  it("honours the escape parser directive", () => {
    const ins = parseDockerfile("# escape=`\nFROM a\nCOPY c:\\dir\\ `\n  /dest\n");
    expect(ins[1]!.args).toEqual(["c:\\dir\\", "/dest"]);
  });

  it("takes heredoc bodies out of the instruction stream", () => {
    const ins = parseDockerfile('FROM a\nRUN <<EOF bash\nFROM evil\nEOF\nCOPY <<"X" /f\nCOPY nope /\nX\n');
    expect(ins.map((i) => i.keyword)).toEqual(["FROM", "RUN", "COPY"]);
    expect(ins[2]!.heredocs).toEqual([{ delimiter: "X", body: "COPY nope /" }]);
  });

  it("finds heredocs as BuildKit does: any delimiter word, ONBUILD too, not inside quotes or exec form", () => {
    const keywords = (text: string) => parseDockerfile(text).map((i) => i.keyword);
    // delimiters beyond shell identifiers: the body (a FROM here) is data
    for (const word of ["END-OF-FILE", "EOF.sh", "'my eof'", "-EOF"]) {
      const delimiter = word.replace(/^-/, "").replace(/'/g, "");
      expect(keywords(`FROM a\nRUN cat > /f <<${word}\nFROM evil\n${delimiter}\nCOPY x /x\n`)).toEqual([
        "FROM",
        "RUN",
        "COPY",
      ]);
    }
    // ONBUILD RUN/COPY/ADD take heredocs
    expect(keywords("FROM a\nONBUILD RUN <<EOF\nFROM evil\nEOF\nCOPY x /x\n")).toEqual([
      "FROM",
      "ONBUILD",
      "COPY",
    ]);
    // `<<` in a quoted word, a here-string, or the exec form: no heredoc, the next lines are instructions
    expect(keywords('FROM a\nRUN echo "use cat <<EOF here"\nCOPY x /x\n')).toEqual(["FROM", "RUN", "COPY"]);
    expect(keywords("FROM a\nRUN cat <<<EOF\nCOPY x /x\n")).toEqual(["FROM", "RUN", "COPY"]);
    expect(keywords('FROM a\nRUN ["sh", "-c", "cat <<EOF"]\nCOPY x /x\n')).toEqual(["FROM", "RUN", "COPY"]);
    // a keyword that takes no heredoc
    expect(keywords("FROM a\nLABEL x=<<EOF\nCOPY x /x\n")).toEqual(["FROM", "LABEL", "COPY"]);
  });

  it("continues a line only on an unescaped escape character", () => {
    const ins = parseDockerfile(
      "FROM a\nRUN echo x\\\\\nCOPY a.js /a\nRUN one \\ \t\n two\nRUN \\\n three\n",
    );
    expect(ins.map((i) => [i.keyword, i.args])).toEqual([
      ["FROM", ["a"]],
      ["RUN", ["echo", "x\\\\"]],
      ["COPY", ["a.js", "/a"]],
      ["RUN", ["one", "two"]],
      ["RUN", ["three"]],
    ]);
    expect(parseDockerfile("# escape=`\nFROM a\nRUN echo ``\nCOPY a /a\n").map((i) => i.keyword)).toEqual([
      "FROM",
      "RUN",
      "COPY",
    ]);
  });

  it("reads JSON form, falling back to words when it is not a string array", () => {
    expect(parseDockerfile('COPY ["a b", "c"]\n')[0]).toMatchObject({ json: true, args: ["a b", "c"] });
    expect(parseDockerfile("COPY [a b] c\n")[0]).toMatchObject({ json: false, args: ["[a", "b]", "c"] });
  });
});

describe("dockerfileSyntax finds the frontend as BuildKit's DetectSyntax does", () => {
  it("# or // directives at the top (after a BOM or a #! line), or a JSON document's syntax", () => {
    expect(dockerfileSyntax("# syntax=a/b:1\nFROM x\n")).toEqual({ ref: "a/b:1", line: 1 });
    expect(dockerfileSyntax("\uFEFF# escape=`\r\n# syntax = a/b --x\r\nFROM x\n")).toEqual({
      ref: "a/b",
      line: 2,
    });
    expect(dockerfileSyntax("#!/bin/x\n# syntax=a/b\nFROM x\n")).toEqual({ ref: "a/b", line: 2 });
    expect(dockerfileSyntax("// syntax=c/d\nFROM x\n")).toEqual({ ref: "c/d", line: 1 });
    expect(dockerfileSyntax('{"syntax": "e/f"}')).toEqual({ ref: "e/f", line: 1 });
    // a blank line or another comment ends the directives
    expect(dockerfileSyntax("#!/bin/x\n\n# syntax=a/b\nFROM x\n")).toBeUndefined();
    expect(dockerfileSyntax("# hello\n# syntax=a/b\n")).toBeUndefined();
    expect(dockerfileSyntax("FROM x\n")).toBeUndefined();
  });
});

describe("analyzeDockerfile", () => {
  it("follows FROM <stage>, COPY --from=<stage|index> and RUN --mount from=, not unused stages", () => {
    const a = analyzeDockerfile(
      "ARG V=1\nFROM node:${V} AS deps\nCOPY package.json .\nFROM deps AS build\nCOPY src src\nFROM alpine AS unused\nCOPY docs docs\nFROM alpine AS tools\nCOPY tools tools\nFROM busybox\nCOPY --from=1 /out /out\nRUN --mount=type=bind,from=tools,target=/t true\nADD https://example.com/x.tgz /x\n",
    );
    expect(a.sources.map((s) => s.pattern)).toEqual(["package.json", "src", "tools"]);
    expect(a.images.map((i) => i.ref).sort()).toEqual(["alpine", "busybox", "node:1"]);
  });

  it("a cache mount's from= reads what that stage reads (or names a context or image); without from= it reads nothing", () => {
    const a = analyzeDockerfile(
      "FROM alpine AS seed\nCOPY svc/api/seed.db /seed/seed.db\nFROM alpine AS unused\nCOPY docs docs\nFROM alpine\nRUN --mount=type=cache,target=/cache,from=seed,source=/seed cp /cache/seed.db /srv/\nRUN --mount=type=cache,target=/root/.cache,source=ignored true\n",
    );
    expect(a.sources.map((s) => s.pattern)).toEqual(["svc/api/seed.db"]);
    // keys and the type in any case, as BuildKit reads them
    const upper = analyzeDockerfile(
      "FROM a AS seed\nCOPY x x\nFROM b\nRUN --mount=Type=Cache,From=seed,target=/c true\n",
    );
    expect(upper.sources.map((s) => s.pattern)).toEqual(["x"]);
    // a named context or an image: recorded as a ref, as for bind mounts and COPY --from
    const named = analyzeDockerfile(
      "FROM b\nRUN --mount=type=cache,from=ghcr.io/acme/seed:1,target=/c true\n",
    );
    expect(named.images.map((i) => i.ref)).toEqual(["b", "ghcr.io/acme/seed:1"]);
    // secret, ssh and tmpfs mounts take no from= and read nothing from the context
    const secret = analyzeDockerfile(
      "FROM a AS s\nCOPY x x\nFROM b\nRUN --mount=type=secret,id=t,from=s true\n",
    );
    expect(secret.sources).toEqual([]);
  });

  it("an unresolvable --from counts every stage and any image (it may name any of them)", () => {
    const a = analyzeDockerfile(
      "FROM a AS one\nCOPY x x\nFROM b AS two\nCOPY y y\nFROM c\nARG STAGE\nCOPY --from=${STAGE} / /\nFROM d AS later\nCOPY z z\n",
      { target: "2" },
    );
    expect(a.sources.map((s) => s.pattern).sort()).toEqual(["x", "y", "z"]);
    expect(a.problems).toEqual([
      "line 7: --from=${STAGE}: STAGE cannot be resolved; every stage counts, and every in-repo image may be copied from",
    ]);
    expect(a.anyImage).toEqual({ line: 7, reason: "--from=${STAGE}: STAGE cannot be resolved" });
    const from = analyzeDockerfile("ARG BASE\nFROM ${BASE}\nCOPY x x\n");
    expect(from.anyImage).toEqual({ line: 2, reason: "FROM ${BASE}: BASE cannot be resolved" });
    expect(analyzeDockerfile("ARG BASE=node\nFROM ${BASE}\n").anyImage).toBeUndefined();
  });

  it("COPY --from may name a stage defined later; FROM names an earlier stage, else an image", () => {
    const a = analyzeDockerfile(
      "FROM alpine AS final\nCOPY --from=assets /out /srv\nFROM alpine AS assets\nCOPY web /out\nFROM base AS base2\nCOPY other /o\n",
      { target: "final" },
    );
    expect(a.sources.map((s) => s.pattern)).toEqual(["web"]);
    expect(a.images.map((i) => i.ref)).toEqual(["alpine", "alpine"]);
    // BuildKit's addState looks a FROM's name up among the stages before it: `later` is an image
    const b = analyzeDockerfile("FROM later AS first\nCOPY a a\nFROM node AS later\nCOPY b b\n", {
      target: "first",
    });
    expect(b.sources.map((s) => s.pattern)).toEqual(["a"]);
    expect(b.images.map((i) => i.ref)).toEqual(["later"]);
    // so is `base` in `FROM base AS base` (an in-repo image, maybe); a name used twice is its last stage
    expect(analyzeDockerfile("FROM base AS base\nRUN true\nFROM base\n").images).toEqual([
      { ref: "base", line: 1 },
    ]);
    const twice = analyzeDockerfile(
      "FROM a AS x\nCOPY one /o\nFROM b AS x\nCOPY two /o\nFROM c\nCOPY --from=x /o /o\n",
    );
    expect(twice.sources.map((s) => s.pattern)).toEqual(["two"]);
  });

  it("ONBUILD triggers: COPY/ADD and RUN --mount=type=bind sources are read in the child's context", () => {
    const a = analyzeDockerfile(
      "FROM a\nONBUILD COPY src /src\nONBUILD RUN --mount=type=bind,source=conf,target=/c true\nONBUILD RUN --mount=type=cache,target=/c true\nONBUILD RUN --mount=type=bind,from=x,target=/c true\n",
    );
    expect(a.onbuild.map((s) => s.pattern)).toEqual(["src", "conf"]);
  });

  it("a target that names no stage is reported, not replaced by the last stage", () => {
    const a = analyzeDockerfile("FROM a AS build\nCOPY x y\nFROM b\n", { target: "nope" });
    expect(a.missingTarget).toEqual({ target: "nope", stages: ["build"] });
    expect(a.sources).toEqual([]);
  });
});

describe("constructs that must not hide a source", () => {
  const sources = (text: string) => analyzeDockerfile(text).sources.map((s) => s.pattern);

  it("only whole-word heredocs: <<VERSION>> in sed and here-strings are not heredocs", () => {
    expect(sources('FROM a\nRUN sed -i "s/<<VERSION>>/1/" f\nRUN read v <<<abc\nCOPY lib /app/\n')).toEqual([
      "lib",
    ]);
  });

  it("an empty line inside a continuation does not end the instruction", () => {
    expect(sources("FROM a\nCOPY src \\\n\n  lib /app/\n")).toEqual(["src", "lib"]);
  });

  it("a BOM does not hide the escape directive; ../ is clamped to the context", () => {
    expect(sources("\uFEFF# escape=`\nFROM a\nCOPY ../lib `\n  /app/\n")).toEqual(["lib"]);
  });

  it("unknown ${…} forms are unresolvable (whole context), quoted values keep their spaces", () => {
    expect(analyzeDockerfile("FROM a\nARG DIR=lib/\nCOPY ${DIR%/} /app/\n").wholeContext?.reason).toContain(
      "variable DIR cannot be resolved",
    );
    expect(sources('FROM a\nENV D="my lib"\nCOPY ["${D}", "/app/"]\n')).toEqual(["my lib"]);
    expect(sources('FROM a\nARG D=\'my lib\'\nCOPY ["${D}", "/app/"]\n')).toEqual(["my lib"]);
  });

  it("sources are read as BuildKit's lexer reads them: quotes removed, nested ${X:-$Y} expanded", () => {
    expect(sources('FROM a\nCOPY "svc/api/app.sh" /app.sh\n')).toEqual(["svc/api/app.sh"]);
    expect(
      sources(
        'FROM scratch\nARG DIR=svc/web\nENV FALLBACK=svc/web\nCOPY "${DIR}/app.sh" /a.sh\nCOPY ${SRC:-$FALLBACK}/b.sh /b.sh\n',
      ),
    ).toEqual(["svc/web/app.sh", "svc/web/b.sh"]);
    // the exec form; a quoted glob is still a glob; nothing expands inside single quotes
    expect(sources('FROM a\nCOPY ["a b/x", "/dst"]\n')).toEqual(["a b/x"]);
    expect(sources('FROM a\nCOPY "svc/*.sh" /bin/\n')).toEqual(["svc/*.sh"]);
    expect(sources("FROM a\nARG X=lib\nCOPY '$X' ./\n")).toEqual(["$X"]);
    expect(sources("FROM a\nENV X='$Y' Y=lib\nCOPY $X ./\n")).toEqual(["$Y"]);
    // flags and mounts go through the lexer too; so do global ARGs, which may use earlier ones
    expect(sources('FROM a\nRUN --mount=type=bind,source="conf",target=/c true\n')).toEqual(["conf"]);
    expect(sources("ARG ROOT=svc\nARG DIR=${ROOT}/web\nFROM a\nARG DIR\nCOPY $DIR ./\n")).toEqual([
      "svc/web",
    ]);
    // (a path's "\" escaped in the pattern: BuildKit takes a segment without a wildcard as it is)
    expect(sources('# escape=`\nFROM a\nCOPY "c:\\dir`"s" /x\n')).toEqual(['c:\\\\dir"s']);
  });

  it("a source the lexer cannot resolve counts the whole context, and says why", () => {
    const why = (text: string) => analyzeDockerfile(text).wholeContext?.reason;
    expect(why('FROM a\nCOPY "svc/app.sh /x\n')).toBe(
      'COPY "svc/app.sh /x: "svc/app.sh cannot be read as BuildKit\'s lexer reads it (no closing ")',
    );
    expect(why("FROM scratch\nCOPY ${SRC:-$NOPE}/b.sh /b.sh\n")).toBe(
      "COPY ${SRC:-$NOPE}/b.sh /b.sh: variable NOPE cannot be resolved statically",
    );
    // built from an image, what its ENV sets is not known: SRC may be one of them
    expect(why("FROM node:22\nCOPY ${SRC:-lib}/b.sh /b.sh\n")).toBe(
      "COPY ${SRC:-lib}/b.sh /b.sh: variable SRC cannot be resolved statically (the base image's ENV may set it)",
    );
    expect(why('FROM a\nARG DIR\nCOPY "${DIR}/x" /x\n')).toContain("variable DIR cannot be resolved");
    expect(why("FROM a\nCOPY ${X:=lib} /x\n")).toContain("(unsupported modifier (:=))");
  });

  it("ARGs end with their stage; ENV carries into a stage built FROM it", () => {
    expect(
      sources(
        "FROM scratch AS base\nARG DIR=src\nENV E=env\nFROM base\nCOPY ${DIR:-lib} /app/\nCOPY ${E} /e/\n",
      ),
    ).toEqual(["lib", "env"]);
  });

  it("variables as BuildKit's dispatch sees them: ENV all at once, ARG one by one, set values kept", () => {
    const why = (text: string, buildArgs?: Record<string, string>) =>
      analyzeDockerfile(text, { buildArgs }).wholeContext?.reason;
    // ENV expands every value before setting any (the Dockerfile reference's `def=$abc` example)
    expect(sources("FROM scratch\nENV DIR=old\nENV DIR=app SRC=$DIR/src\nCOPY $SRC /x\n")).toEqual([
      "old/src",
    ]);
    expect(sources("FROM scratch\nENV DIR=app\nENV SRC=$DIR/src\nCOPY $SRC /x\n")).toEqual(["app/src"]);
    expect(sources("FROM scratch\nARG DIR=app SRC=$DIR/src\nCOPY $SRC /x\n")).toEqual(["app/src"]);
    // an ARG without a value leaves the variable as an ENV or an earlier ARG set it
    expect(sources("FROM scratch\nENV X=src\nARG X\nCOPY ${X:-other} /\n")).toEqual(["src"]);
    expect(sources("ARG X=src\nARG X\nFROM scratch\nARG X\nCOPY ${X:-other} /\n")).toEqual(["src"]);
    // a value that needs an unknown one is unknown, not unset
    expect(why("FROM scratch\nARG V=$TARGETARCH\nCOPY ${V:-amd64} /x\n")).toContain("variable V");
    // the platform ARGs are set (to the build's platforms), unless a build arg says
    expect(why("FROM scratch\nARG TARGETPLATFORM\nCOPY bin/${TARGETPLATFORM:-linux} /x\n")).toContain(
      "variable TARGETPLATFORM",
    );
    expect(sources("FROM scratch\nARG TARGETARCH\nCOPY bin/${TARGETARCH:-amd64} /x\n")).toEqual(["bin/*"]);
    expect(
      analyzeDockerfile("FROM scratch\nARG TARGETARCH\nCOPY bin/${TARGETARCH:-amd64} /x\n", {
        buildArgs: { TARGETARCH: "arm64" },
      }).sources.map((s) => s.pattern),
    ).toEqual(["bin/arm64"]);
    // built from an image, an ARG or ENV default may read its ENV
    expect(why("FROM node:22\nENV D=${APP:-app}\nCOPY $D /x\n")).toContain("variable D");
  });

  it("a platform ARG that is one path segment (TARGETARCH, TARGETOS…) stands for * in a COPY/ADD source, and only there", () => {
    const why = (text: string) => analyzeDockerfile(text).wholeContext?.reason;
    expect(sources("FROM scratch\nARG TARGETARCH\nCOPY bin/${TARGETARCH}/app /app\n")).toEqual(["bin/*/app"]);
    expect(
      sources('FROM alpine\nARG TARGETOS TARGETARCH\nADD "dist/app-$TARGETOS-${TARGETARCH}.tar.gz" /\n'),
    ).toEqual(["dist/app-*-*.tar.gz"]);
    // a value with "/" in it, a modifier, another variable taking the value, --from: unknown
    expect(why("FROM scratch\nARG TARGETPLATFORM\nCOPY bin/$TARGETPLATFORM/app /app\n")).toContain(
      "variable TARGETPLATFORM",
    );
    // set and never empty: ${X:-word} is its value, ${X:+word} the word; a pattern of it is unknown
    expect(
      sources("FROM scratch\nARG TARGETARCH\nCOPY bin/${TARGETARCH:-amd64}/${TARGETARCH:+app} /x\n"),
    ).toEqual(["bin/*/app"]);
    expect(why("FROM scratch\nARG TARGETARCH\nCOPY bin/${TARGETARCH%64} /x\n")).toContain(
      "variable TARGETARCH",
    );
    expect(why("FROM scratch\nARG TARGETARCH\nENV A=$TARGETARCH\nCOPY bin/$A /x\n")).toContain("variable A");
    const stages = analyzeDockerfile(
      "FROM scratch AS build-amd64\nCOPY amd /a\nFROM scratch AS build-arm64\nCOPY arm /a\nFROM scratch\nARG TARGETARCH\nCOPY --from=build-${TARGETARCH} /a /a\n",
    );
    expect(stages.sources.map((s) => s.pattern).sort()).toEqual(["amd", "arm"]);
  });

  it("a variant (TARGETVARIANT) is empty or one segment: a source reads both ways", () => {
    expect(sources("FROM scratch\nARG TARGETVARIANT\nCOPY bin/${TARGETVARIANT}/app /app\n")).toEqual([
      "bin/*/app",
      "bin/app",
    ]);
    // (two values side by side are one segment, not a ** reaching across "/")
    expect(
      sources("FROM scratch\nARG TARGETARCH TARGETVARIANT\nCOPY app-${TARGETARCH}${TARGETVARIANT} /\n"),
    ).toEqual(["app-*"]);
    expect(
      sources("FROM scratch\nARG TARGETVARIANT\nCOPY app${TARGETVARIANT:+-$TARGETVARIANT} /app\n"),
    ).toEqual(["app-*", "app"]);
    expect(
      sources("FROM scratch\nARG BUILDVARIANT\nRUN --mount=source=${BUILDVARIANT:-v1}/x,target=/x x\n"),
    ).toEqual(["*/x", "v1/x"]);
    // not declared in the stage: not the platform's
    expect(
      analyzeDockerfile("FROM scratch\nCOPY bin/${TARGETVARIANT}/app /app\n").wholeContext?.reason,
    ).toContain("variable TARGETVARIANT");
  });

  it("a bind mount's source is a path (its [ and * escaped); a COPY source is BuildKit's pattern", () => {
    expect(
      sources("FROM scratch\nARG TARGETARCH\nRUN --mount=source=conf/${TARGETARCH}/a[1]*.txt x\n"),
    ).toEqual(["conf/*/a\\[1]\\*.txt"]);
    expect(sources("FROM scratch\nRUN --mount=source='a\\b' x\n")).toEqual(["a\\\\b"]);
    // a segment with no unescaped wildcard is taken as it is, a "\" too (fsutil's splitWildcards)
    expect(sources("FROM scratch\nCOPY a[1].txt 'b\\[1].txt' 'c\\[1]*' 'd\\*/e\\f/*' /x/\n")).toEqual([
      "a[1].txt",
      "b\\\\\\[1].txt",
      "c\\[1]*",
      "d\\\\\\*/e\\\\f/*",
    ]);
  });

  it("RUN --mount: src and source are one option, the last one given wins", () => {
    expect(sources("FROM scratch\nRUN --mount=type=bind,source=a,src=b,target=/m true\n")).toEqual(["b"]);
    expect(sources("FROM scratch\nRUN --mount=src=a,type=bind,source=b,dst=/m true\n")).toEqual(["b"]);
  });

  it("parser directives as BuildKit reads them; a # syntax= frontend other than docker/dockerfile counts whole", () => {
    // an unknown directive ends them: the escape below is a comment, `\` continues the line
    expect(sources("# foo=bar\n# escape=`\nFROM scratch\nCOPY a \\\n  b /dst/\n")).toEqual(["a", "b"]);
    // leading blanks before one do not
    expect(sources(" # escape=`\nFROM scratch\nCOPY a `\n  b /dst/\n")).toEqual(["a", "b"]);
    const custom = analyzeDockerfile("# syntax=ghcr.io/acme/frontend:1\nFROM scratch\nCOPY a /a\n");
    expect(custom.wholeContext?.reason).toContain("ghcr.io/acme/frontend:1");
    expect(custom.images).toContainEqual({ ref: "ghcr.io/acme/frontend:1", line: 1 });
    expect(analyzeDockerfile("//syntax = acme/fe\nFROM scratch\nCOPY a /a\n").wholeContext).toBeDefined();
    expect(
      analyzeDockerfile("FROM scratch\nCOPY a /a\n", { buildArgs: { BUILDKIT_SYNTAX: "acme/fe" } })
        .wholeContext,
    ).toBeDefined();
    for (const ok of [
      "docker/dockerfile:1",
      "docker.io/docker/dockerfile:1.7-labs",
      "docker/dockerfile-upstream:master",
    ])
      expect(sources(`# syntax=${ok}\nFROM scratch\nCOPY a /a\n`), ok).toEqual(["a"]);
  });

  it("an unresolvable FROM counts every earlier stage", () => {
    expect(sources("ARG BASE\nFROM alpine AS deps\nCOPY lib /lib\nFROM ${BASE}\nCOPY app /app\n")).toEqual([
      "lib",
      "app",
    ]);
  });
});

describe("dotenv", () => {
  it("parses quotes, export and comments, and refuses what it cannot read", () => {
    expect(parseDotenv('export A=1\nB=\'two words\'\nC="q\\"x" # c\nD=plain # comment\n')).toEqual(
      new Map([
        ["A", "1"],
        ["B", "two words"],
        ["C", 'q"x'],
        ["D", "plain"],
      ]),
    );
    expect(parseDotenv("not a line\n")).toBeUndefined();
    expect(changedDotenvKeys("A=1\nB=2\n", "A=1\nB=3\nC=4\n")).toEqual(new Set(["B", "C"]));
    expect(changedDotenvKeys("A=1\n", "oops\n")).toBe("unparseable");
  });
});
