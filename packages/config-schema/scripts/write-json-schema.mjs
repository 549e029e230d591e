// Writes schema.json from the built zod schema, so editors get completion through
// `# yaml-language-server: $schema=…`. json-schema.test.ts pins the file.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { configJsonSchemaText } from "../dist/json-schema.js";

writeFileSync(fileURLToPath(new URL("../schema.json", import.meta.url)), configJsonSchemaText());
