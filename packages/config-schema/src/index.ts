export {
  ConfigSchema,
  GeneratorSchema,
  ImageSchema,
  PackageSchema,
  ProtoSchema,
  TargetSchema,
  nodeKinds,
} from "./schema.js";
export type {
  Config,
  GeneratorConfig,
  ImageConfig,
  NodeKind,
  PackageConfig,
  ProtoConfig,
  TargetConfig,
  WrittenConfig,
} from "./schema.js";
export { closest, knownKeysAt, validateConfig } from "./validate.js";
export type { ConfigIssue, ValidationResult } from "./validate.js";
export { defineConfig } from "./define-config.js";
export { configJsonSchema, configJsonSchemaText } from "./json-schema.js";
