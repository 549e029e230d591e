import { log } from "@acme/logger";

log("billing service starting");
