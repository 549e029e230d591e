import { log } from "@acme/logger";

export function authenticate(token: string | undefined): boolean {
  const ok = typeof token === "string" && token.startsWith("Bearer ");
  if (!ok) log("rejected request", { reason: "missing bearer token" });
  return ok;
}
