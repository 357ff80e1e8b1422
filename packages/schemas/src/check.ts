import { type SchemaRegistryClient, valueSubject } from "@hooklog/kafka";
import type { SourceConfig } from "@hooklog/sources";
import { loadSchemaCatalog, type SchemaFile } from "./catalog.ts";
import { WEBHOOK_EVENT } from "./webhook-event.ts";

/**
 * Which topics carry each record; the registry subjects follow from it (`<topic>-value`). Envelopes
 * go to every source's topic; a domain record (fulfillment.TaskCreated, ...) to the topic of its name.
 */
export function schemaBindings(sources: readonly SourceConfig[], catalog: readonly SchemaFile[] = loadSchemaCatalog()): Map<string, string[]> {
  const bindings = new Map<string, string[]>([[WEBHOOK_EVENT, sources.map((source) => source.topic)]]);
  for (const { record } of catalog) if (!bindings.has(record)) bindings.set(record, [record]);
  return bindings;
}

export interface SubjectResult {
  record: string;
  version: number;
  subject: string;
  schemaId: number | undefined;
  problem: string | undefined;
}

/**
 * Registers every schema version, oldest first, under each subject its record is bound to, with
 * BACKWARD compatibility; a version the registry finds incompatible is reported, not registered.
 */
export async function checkSchemas(
  client: SchemaRegistryClient,
  bindings: Map<string, string[]>,
  catalog: readonly SchemaFile[] = loadSchemaCatalog(),
): Promise<SubjectResult[]> {
  const results: SubjectResult[] = [];
  for (const [record, topics] of bindings) {
    const versions = catalog.filter((entry) => entry.record === record);
    if (versions.length === 0) throw new Error(`No schema file for ${record}`);
    for (const topic of topics) {
      const subject = valueSubject(topic);
      await client.setCompatibility(subject, "BACKWARD");
      for (const entry of versions) {
        const verdict = await client.checkCompatibility(subject, entry.schema);
        if (!verdict.compatible) {
          results.push({ record, version: entry.version, subject, schemaId: undefined, problem: verdict.messages.join("; ") || "not BACKWARD compatible" });
          break;
        }
        results.push({ record, version: entry.version, subject, schemaId: await client.registerAvro(subject, entry.schema), problem: undefined });
      }
    }
  }
  return results;
}
