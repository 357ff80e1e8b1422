import { readFileSync } from "node:fs";
import { join } from "node:path";
import { infraDir } from "./paths.ts";

/** A version pinned in one of infra's poms, so it is written in one place only. */
export function pomProperty(pomFolder: string, property: string): string {
  const pom = readFileSync(join(infraDir, pomFolder, "pom.xml"), "utf8");
  const match = new RegExp(`<${property.replaceAll(".", "\\.")}>([^<]+)</`).exec(pom);
  if (!match?.[1]) throw new Error(`infra/${pomFolder}/pom.xml has no <${property}>`);
  return match[1].trim();
}
