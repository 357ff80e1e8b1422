import { randomBytes } from "node:crypto";

/** A name no other test (or earlier run) uses: each test makes its own topics, subjects and tables. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
}
