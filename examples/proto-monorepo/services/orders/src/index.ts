import { log } from "@acme/logger";
import { OrderSchema } from "@acme/sdk";

log("orders service starting", { message: OrderSchema.typeName });
