import { authenticate } from "@acme/auth";
import { allRoutes } from "@acme/routes";
import { ProductSchema } from "@acme/sdk";

export function describe(): string {
  return `api gateway: ${allRoutes.length} routes, product type ${ProductSchema.typeName}, auth ${authenticate("Bearer x")}`;
}
