import { describe, expect, it } from "vitest";
import { ShipgraphError } from "../errors.js";
import { parseProto } from "./parse.js";

/*
 * Throughput sanity check, measured by hand (not a timed test): a ~1 MB synthetic file of 1,269
 * repetitions of a message (comments, nested message/enum/oneof, an option aggregate, string
 * defaults), an enum and a service with an HTTP rule, as a flat string (as read from disk), parse.ts
 * bundled with esbuild, Node 20, after warm-up: ~2.4 ms per parse, about 400 MB/s. The same blocks
 * as 400 files of ~1.8 KB: ~5 µs per file (about 330 MB/s). A plain message body alone skips at
 * about 500 MB/s.
 */

function errorOf(fn: () => unknown): ShipgraphError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ShipgraphError) return error;
    throw error;
  }
  throw new Error("expected a ShipgraphError");
}

const paths = (text: string) => parseProto(text, "t.proto").imports.map((i) => i.path);

describe("parseProto: comments and strings", () => {
  it("does not count commented-out imports, and reads imports with comments inside", () => {
    const text = [
      'syntax = "proto3";',
      '// import "line.proto";',
      '/* import "block.proto";',
      '   import "block2.proto"; */',
      'import /* c */ "a.proto";',
      "import // trailing",
      '  "b.proto" /* before ; */ ;',
      '/**/import "c.proto";/*/ still a comment "d.proto" */',
    ].join("\n");
    expect(paths(text)).toEqual(["a.proto", "b.proto", "c.proto"]);
  });

  it("treats //, /*, import and braces inside strings as text", () => {
    const text = [
      'syntax = "proto2";',
      'option go_package = "x//y /* not a comment */ import \\"z.proto\\"; {";',
      "message M {",
      '  optional string a = 1 [default = "} import \\"evil.proto\\"; {{"];',
      "  optional string b = 2 [default = '}\"}'];",
      "  // a brace in a comment: } and { and it's got an apostrophe",
      "  /* and } here */",
      "}",
      'import "real.proto";',
    ].join("\n");
    const info = parseProto(text, "t.proto");
    expect(info.options.go_package).toBe('x//y /* not a comment */ import "z.proto"; {');
    expect(info.imports).toEqual([{ path: "real.proto", kind: "default", line: 9 }]);
    expect(info.messages).toBe(1);
  });

  it("decodes escapes per the language spec", () => {
    const value = (literal: string) =>
      parseProto(`syntax = "proto3";\noption o = ${literal};`, "t.proto").options.o;
    expect(value('"a\\"b"')).toBe('a"b');
    expect(value("'a\\'b\"c'")).toBe("a'b\"c");
    expect(value('"a\\\\b"')).toBe("a\\b");
    expect(value('"\\n\\t\\r\\a\\b\\f\\v\\?"')).toBe("\n\t\r\x07\b\f\v?");
    expect(value('"\\101\\x42\\X43\\0"')).toBe("ABC\0");
    expect(value('"\\1234"')).toBe("S4"); // at most three octal digits
    expect(value('"\\x414"')).toBe("A4"); // at most two hex digits
    expect(value('"\\501"')).toBe("A"); // above \377 wraps to a byte, as protoc does
    expect(value('"\\u00e9\\U0001F600"')).toBe("é😀");
    expect(value('"\\xc3\\xa9"')).toBe("é"); // bytes are UTF-8
    expect(value('"é😀"')).toBe("é😀");
  });

  it("concatenates adjacent literals, also across quote kinds, comments and a split UTF-8 sequence", () => {
    const info = parseProto(
      'syntax = "proto3";\nimport "google/" \'api/\' /* x */ "http.proto";\noption o = "\\xc3" "\\xa9";\n',
      "t.proto",
    );
    expect(info.imports[0]!.path).toBe("google/api/http.proto");
    expect(info.options.o).toBe("é");
  });
});

describe("parseProto: statements", () => {
  it("reads import kinds in file order", () => {
    const info = parseProto(
      'syntax = "proto2";\nimport "a.proto";\nimport public "b.proto";\nimport weak \'c.proto\';\n',
      "t.proto",
    );
    expect(info.imports).toEqual([
      { path: "a.proto", kind: "default", line: 2 },
      { path: "b.proto", kind: "public", line: 3 },
      { path: "c.proto", kind: "weak", line: 4 },
    ]);
  });

  it("counts lines after multi-line comments, with CRLF endings and a BOM", () => {
    const text =
      '\uFEFFsyntax = "proto3";\r\n/* one\r\n   two\r\n*/\r\n\r\nimport "a.proto"; // x\r\n  import\r\n"b.proto";\r\n';
    const info = parseProto(text, "t.proto");
    expect(info.syntax).toBe("proto3");
    expect(info.imports.map((i) => [i.path, i.line])).toEqual([
      ["a.proto", 6],
      ["b.proto", 7],
    ]);
  });

  it("reads the package, with whitespace around dots removed", () => {
    expect(parseProto("syntax = 'proto3';\npackage acme . user.v1 ;", "t.proto").package).toBe(
      "acme.user.v1",
    );
  });

  it("reads scalar options, keeps names and non-string values as written, skips aggregates", () => {
    const text = [
      'syntax = "proto3";',
      'option go_package = "github.com/acme/gen/go/user/v1;userv1";',
      "option java_multiple_files = true;",
      "option optimize_for = SPEED;",
      "option (my.ext).field = -1;",
      "option (.my.ext).ratio = 1.5e-3;",
      "option ( my.ext ) . other = -inf;",
      'option (my.agg) = { a: "}" b: 1; c { d: 2 } };',
      "option __proto__ = 1;",
      'import "after.proto";',
    ].join("\n");
    const info = parseProto(text, "t.proto");
    expect(Object.entries(info.options)).toEqual([
      ["go_package", "github.com/acme/gen/go/user/v1;userv1"],
      ["java_multiple_files", "true"],
      ["optimize_for", "SPEED"],
      ["(my.ext).field", "-1"],
      ["(.my.ext).ratio", "1.5e-3"],
      ["(my.ext).other", "-inf"],
      ["__proto__", "1"],
    ]);
    expect(Object.getPrototypeOf(info.options)).toBeNull();
    expect(paths(text)).toEqual(["after.proto"]);
  });

  it("counts only top-level definitions and names top-level services", () => {
    const text = [
      'syntax = "proto3";',
      "message Outer {",
      "  string service = 1;",
      "  string s = 2; // service Hidden {}",
      "  message Inner { enum E { E_UNSPECIFIED = 0; } }",
      "  enum Kind { KIND_UNSPECIFIED = 0; }",
      "}",
      "enum Top { TOP_UNSPECIFIED = 0; }",
      'message Doc { string note = 1 [json_name = "service Fake { }"]; }',
      "service Users { rpc Get(Outer) returns (Outer); }",
      "extend .google.protobuf.FileOptions { string tag = 50000; }",
      "service Admin {}",
      ";;",
    ].join("\n");
    const info = parseProto(text, "t.proto");
    expect(info).toMatchObject({ messages: 2, enums: 1, services: 2, extends: 1 });
    expect(info.serviceNames).toEqual(["Users", "Admin"]);
  });

  it("reads editions, `import option` and 2024 visibility modifiers", () => {
    const text = [
      'edition = "2024";',
      "package acme.v1;",
      'import "acme/types.proto";',
      'import option "acme/options.proto";', // buf wants these after the plain imports
      "option features.field_presence = EXPLICIT;",
      "export message A {}",
      "local enum E { E_UNSPECIFIED = 0; }",
    ].join("\n");
    const info = parseProto(text, "t.proto");
    expect(info.edition).toBe("2024");
    expect(info.syntax).toBeUndefined();
    expect(info.imports).toEqual([
      { path: "acme/types.proto", kind: "default", line: 3 },
      { path: "acme/options.proto", kind: "option", line: 4 },
    ]);
    expect(info.options["features.field_presence"]).toBe("EXPLICIT");
    expect(info).toMatchObject({ messages: 1, enums: 1 });
  });

  it("skips unknown top-level statements and stray tokens instead of failing", () => {
    const info = parseProto(
      'syntax = "proto3";\nfoo bar = 1;\n}\nweird { x; }\nimport "a.proto";\n',
      "t.proto",
    );
    expect(info.imports.map((i) => i.path)).toEqual(["a.proto"]);
    expect(info.messages).toBe(0);
  });

  it("defaults to nothing for an empty file", () => {
    expect(parseProto("", "t.proto")).toMatchObject({
      imports: [],
      messages: 0,
      enums: 0,
      services: 0,
      extends: 0,
      serviceNames: [],
    });
  });
});

describe("parseProto: errors", () => {
  const cases: [string, string, number, RegExp][] = [
    ["unterminated string", 'syntax = "proto3";\n\noption o = "abc;\n', 3, /unterminated string literal/],
    [
      "newline inside a string",
      'syntax = "proto3";\noption o = "abc;\nimport "b.proto"; // "\n',
      2,
      /unterminated string/,
    ],
    ["string that spans lines", 'syntax = "proto3";\nimport "a\\\nb.proto";\n', 2, /unterminated string/],
    [
      "unterminated string in a message body",
      "message M {\n string a = 1 [default = 'x];\n}\n",
      2,
      /unterminated string/,
    ],
    [
      "unterminated block comment",
      'syntax = "proto3";\n/* open\n\nimport "a.proto";\n',
      2,
      /unterminated block comment/,
    ],
    [
      "import without a string",
      'syntax = "proto3";\nimport foo;\n',
      2,
      /expected a quoted file path after `import`, found `foo`/,
    ],
    ["import public without a string", "import public;\n", 1, /after `import public`, found `;`/],
    [
      "import without ;",
      'import "a.proto"\nmessage M {}\n',
      1,
      /expected `;` after `import "a.proto"`, found `message`/,
    ],
    ["import at end of file", 'import "a.proto"', 1, /found end of file/],
    ["empty import path", 'import "";', 1, /empty import path/],
    ["invalid escape in an import", 'import "a\\q.proto";', 1, /invalid escape/],
    ["package with a trailing dot", "package a.;", 1, /expected an identifier after `a.`/],
    ["second package", "package a;\npackage b;", 2, /second `package`/],
    ["syntax not first", 'package a;\nsyntax = "proto3";', 2, /must be the first statement/],
    ["unknown syntax", 'syntax = "proto4";', 1, /unknown syntax "proto4"/],
    ["syntax without a string", "syntax = proto3;", 1, /expected a quoted value/],
    ["unclosed block", 'syntax = "proto3";\nmessage M {\n  message N {}\n', 2, /unclosed `\{`/],
  ];
  it.each(cases)("%s", (_name, text, line, message) => {
    const error = errorOf(() => parseProto(text, "proto/t.proto"));
    expect(error.code).toBe("PROTO_INVALID");
    expect(error.message).toMatch(new RegExp(`^proto/t\\.proto:${line}: `));
    expect(error.message).toMatch(message);
    expect(error.line).toBe(line);
    expect(error.file).toBe("proto/t.proto");
    expect(error.hint).toBeTruthy();
  });
});

describe("parseProto: a realistic file", () => {
  // The shape of googleapis' google/pubsub/v1/schema.proto.
  const text = `// Copyright 2024 Google LLC
//
// Licensed under the Apache License, Version 2.0 (the "License");

syntax = "proto3";

package google.pubsub.v1;

import "google/api/annotations.proto";
import "google/api/client.proto";
import "google/api/field_behavior.proto";
import "google/api/resource.proto";
import "google/protobuf/empty.proto";
import "google/protobuf/timestamp.proto";

option cc_enable_arenas = true;
option csharp_namespace = "Google.Cloud.PubSub.V1";
option go_package = "cloud.google.com/go/pubsub/v2/apiv1/pubsubpb;pubsubpb";
option java_multiple_files = true;
option java_outer_classname = "SchemaProto";
option java_package = "com.google.pubsub.v1";
option php_namespace = "Google\\\\Cloud\\\\PubSub\\\\V1";
option ruby_package = "Google::Cloud::PubSub::V1";

// Service for doing schema-related operations.
service SchemaService {
  option (google.api.default_host) = "pubsub.googleapis.com";
  option (google.api.oauth_scopes) =
      "https://www.googleapis.com/auth/cloud-platform,"
      "https://www.googleapis.com/auth/pubsub";

  // Creates a schema.
  rpc CreateSchema(CreateSchemaRequest) returns (Schema) {
    option (google.api.http) = {
      post: "/v1/{parent=projects/*}/schemas"
      body: "schema"
    };
    option (google.api.method_signature) = "parent,schema,schema_id";
  }

  // Deletes a schema.
  rpc DeleteSchema(DeleteSchemaRequest) returns (google.protobuf.Empty) {
    option (google.api.http) = {
      delete: "/v1/{name=projects/*/schemas/*}"
    };
  }
}

// A schema resource.
message Schema {
  option (google.api.resource) = {
    type: "pubsub.googleapis.com/Schema"
    pattern: "projects/{project}/schemas/{schema}"
  };

  // Possible schema definition types.
  enum Type {
    // Default value. This value is unused.
    TYPE_UNSPECIFIED = 0;
    PROTOCOL_BUFFER = 1;
    AVRO = 2;
  }

  string name = 1 [(google.api.field_behavior) = REQUIRED];
  Type type = 2;
  string definition = 3;
  string revision_id = 4 [
    (google.api.field_behavior) = IMMUTABLE,
    (google.api.field_behavior) = OUTPUT_ONLY
  ];
  google.protobuf.Timestamp revision_create_time = 6
      [(google.api.field_behavior) = OUTPUT_ONLY];
}

// View of Schema object fields to be returned by GetSchema and ListSchemas.
enum SchemaView {
  SCHEMA_VIEW_UNSPECIFIED = 0;
  BASIC = 1;
  FULL = 2;
}

message CreateSchemaRequest {
  string parent = 1 [
    (google.api.field_behavior) = REQUIRED,
    (google.api.resource_reference) = {
      child_type: "pubsub.googleapis.com/Schema"
    }
  ];
  Schema schema = 2 [(google.api.field_behavior) = REQUIRED];
  string schema_id = 3;
}

message DeleteSchemaRequest {
  string name = 1 [
    (google.api.field_behavior) = REQUIRED,
    (google.api.resource_reference) = { type: "pubsub.googleapis.com/Schema" }
  ];
}
`;

  it("reads what the graph needs", () => {
    const info = parseProto(text, "google/pubsub/v1/schema.proto");
    expect(info.syntax).toBe("proto3");
    expect(info.package).toBe("google.pubsub.v1");
    expect(info.imports.map((i) => [i.path, i.line])).toEqual([
      ["google/api/annotations.proto", 9],
      ["google/api/client.proto", 10],
      ["google/api/field_behavior.proto", 11],
      ["google/api/resource.proto", 12],
      ["google/protobuf/empty.proto", 13],
      ["google/protobuf/timestamp.proto", 14],
    ]);
    expect(info.imports.every((i) => i.kind === "default")).toBe(true);
    expect(info.options).toMatchObject({
      cc_enable_arenas: "true",
      go_package: "cloud.google.com/go/pubsub/v2/apiv1/pubsubpb;pubsubpb",
      java_package: "com.google.pubsub.v1",
      php_namespace: "Google\\Cloud\\PubSub\\V1",
    });
    expect(Object.keys(info.options)).toHaveLength(8);
    expect(info).toMatchObject({ messages: 3, enums: 1, services: 1, extends: 0 });
    expect(info.serviceNames).toEqual(["SchemaService"]);
  });
});
