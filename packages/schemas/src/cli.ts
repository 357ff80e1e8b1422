// npm run schemas:check — registers every schema of schemas/ and fails on an incompatible change.
import { SchemaRegistryClient } from "@hooklog/kafka";
import { loadSources } from "@hooklog/sources";
import { checkSchemas, schemaBindings } from "./check.ts";

const url = process.env.SCHEMA_REGISTRY_URL ?? "http://127.0.0.1:8081/apis/ccompat/v7";
const results = await checkSchemas(new SchemaRegistryClient(url), schemaBindings(loadSources()));
for (const result of results) {
  const outcome = result.problem ? `INCOMPATIBLE: ${result.problem}` : `schema id ${result.schemaId}`;
  console.log(`schemas: ${result.record} v${result.version} -> ${result.subject}: ${outcome}`);
}
if (results.some((result) => result.problem)) {
  console.error("schemas: an incompatible schema change was refused; add fields with defaults instead (BACKWARD compatibility).");
  process.exitCode = 1;
}
