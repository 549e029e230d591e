export { defineConfig } from "./define-config.js";
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
export {
  ConfigSchema,
  GeneratorSchema,
  ImageSchema,
  nodeKinds,
  PackageSchema,
  ProtoSchema,
  TargetSchema,
} from "./schema.js";
export type { ConfigIssue, ValidationResult } from "./validate.js";
export { closest, knownKeysAt, validateConfig } from "./validate.js";
