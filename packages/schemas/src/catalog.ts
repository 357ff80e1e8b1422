import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import avro from "avsc";

export const schemasDir = resolve(import.meta.dirname, "..", "..", "..", "schemas");

export interface SchemaFile {
  /** Full Avro name, e.g. hooklog.WebhookEvent. */
  record: string;
  version: number;
  file: string;
  /** The schema text as registered (whitespace-normalised JSON). */
  schema: string;
}

const FILE_NAME = /^(?<record>[A-Za-z_][\w.]*)\.v(?<version>\d+)\.avsc$/;

/**
 * Every schema in schemas/, one file per record and version (`<namespace>.<Name>.v<N>.avsc`).
 * The file name must agree with the record's own full name, and avsc must accept the schema.
 */
export function loadSchemaCatalog(folder: string = schemasDir): SchemaFile[] {
  const files: SchemaFile[] = [];
  for (const file of readdirSync(folder)
    .filter((name) => name.endsWith(".avsc"))
    .sort()) {
    const match = FILE_NAME.exec(file);
    if (!match?.groups?.record || !match.groups.version) throw new Error(`schemas/${file}: name it <namespace>.<Name>.v<N>.avsc`);
    const parsed = JSON.parse(readFileSync(join(folder, file), "utf8")) as { name?: string; namespace?: string };
    const fullName = parsed.namespace ? `${parsed.namespace}.${parsed.name}` : parsed.name;
    if (fullName !== match.groups.record) throw new Error(`schemas/${file} holds record ${fullName}, not ${match.groups.record}`);
    avro.Type.forSchema(parsed as avro.Schema);
    files.push({ record: fullName, version: Number(match.groups.version), file, schema: JSON.stringify(parsed) });
  }
  return files.sort((a, b) => a.record.localeCompare(b.record) || a.version - b.version);
}

/** The newest version of `record`; writers use it, readers resolve older data against it. */
export function latestSchema(record: string, catalog: readonly SchemaFile[] = loadSchemaCatalog()): SchemaFile {
  const versions = catalog.filter((entry) => entry.record === record);
  const latest = versions.at(-1);
  if (!latest) throw new Error(`No schema for ${record} in ${schemasDir}`);
  return latest;
}
