import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** Where the real Kafka, registry and Postgres of a test run are. */
export interface TestStack {
  kafkaBrokers: string;
  schemaRegistryUrl: string;
  databaseUrl: string;
}

let stack: Promise<TestStack> | undefined;

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/**
 * The real Kafka, registry and Postgres for tests. `npm test` starts them once and passes their
 * addresses in the environment; a test file run on its own starts (or reuses) them through infra's
 * command — a process, not an import, so that infra's own tests can use this kit.
 */
export function testStack(): Promise<TestStack> {
  stack ??= fromEnvironment() ?? fromInfra();
  return stack;
}

function fromEnvironment(): Promise<TestStack> | undefined {
  const { KAFKA_BROKERS, SCHEMA_REGISTRY_URL, DATABASE_URL } = process.env;
  if (!KAFKA_BROKERS || !SCHEMA_REGISTRY_URL || !DATABASE_URL) return undefined;
  return Promise.resolve({ kafkaBrokers: KAFKA_BROKERS, schemaRegistryUrl: SCHEMA_REGISTRY_URL, databaseUrl: DATABASE_URL });
}

async function fromInfra(): Promise<TestStack> {
  const cli = join(repoRoot, "infra", "src", "cli.ts");
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ["--disable-warning=TimeoutNegativeWarning", cli, "up", "--json"], {
      cwd: repoRoot,
      maxBuffer: 1024 * 1024,
    });
    const last = stdout.trim().split("\n").at(-1) ?? "";
    const { kafkaBrokers, schemaRegistryUrl, databaseUrl } = JSON.parse(last) as TestStack;
    return { kafkaBrokers, schemaRegistryUrl, databaseUrl };
  } catch (error) {
    const output = (error as { stderr?: string }).stderr ?? "";
    throw new Error(`the test stack could not be started (${cli} up): ${(error as Error).message}\n${output.slice(-2000)}`, { cause: error });
  }
}
