import { zodToJsonSchema } from "zod-to-json-schema";
import { ConfigSchema } from "./schema.js";

/**
 * The config's JSON Schema, describing the input a user writes. Generated at build time into
 * schema.json (exported as "@shipgraph/config-schema/schema.json"); not loaded at run time.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = zodToJsonSchema(ConfigSchema, { $refStrategy: "none", effectStrategy: "input" }) as Record<
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
