#!/usr/bin/env node
// protoc-gen-routes: writes <file>_routes.ts with one entry per RPC, for the API gateway.
import { createEcmaScriptPlugin, runNodeJs } from "@bufbuild/protoplugin";

const plugin = createEcmaScriptPlugin({
  name: "protoc-gen-routes",
  version: "v1.0.0",
  generateTs(schema) {
    for (const file of schema.files) {
      if (file.services.length === 0) continue;
      const f = schema.generateFile(`${file.name}_routes.ts`);
      f.preamble(file);
      f.print("export const routes = [");
      for (const service of file.services) {
        for (const method of service.methods) {
          const path = `/${service.typeName}/${method.name}`;
          f.print(`  { service: ${JSON.stringify(service.typeName)}, method: ${JSON.stringify(method.name)}, path: ${JSON.stringify(path)} },`);
        }
      }
      f.print("] as const;");
    }
  },
});

runNodeJs(plugin);
