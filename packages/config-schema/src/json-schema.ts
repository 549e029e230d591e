import { z } from "zod";
import { ConfigSchema } from "./schema.js";

/** The config's JSON Schema (draft 2020-12), describing the input a user writes. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ConfigSchema, { io: "input", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return {
    ...schema,
    $id: "https://shipgraph.dev/schema/shipgraph.schema.json",
    title: "shipgraph configuration",
  };
}

/** The JSON Schema as the text of schema.json (two-space indent, trailing newline). */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
