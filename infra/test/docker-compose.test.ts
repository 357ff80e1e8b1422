import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, it } from "node:test";
import { secretEnvVar } from "@hooklog/sources";
import { parse } from "yaml";
import { discoverServices } from "../src/services.ts";

const repoRoot = resolve(import.meta.dirname, "..", "..");

const commonVariables = [
  "KAFKA_BROKERS",
  "SCHEMA_REGISTRY_URL",
  "DATABASE_URL",
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "HOOKLOG_TRACE_URL",
  "LOG_LEVEL",
  "HOOKLOG_CONFIG",
];
const infrastructure = ["kafka", "schema-registry", "postgres", "otel-collector", "jaeger"];

interface ComposeService {
  image?: string;
  environment?: Record<string, unknown> | string[];
  ports?: Array<string | { host_ip?: string; published?: string | number; target?: number }>;
}

function readYaml(file: string): unknown {
  // merge: the services take their common settings from x-hooklog-env through `<<:`.
  return parse(readFileSync(resolve(repoRoot, file), "utf8"), { merge: true });
}

function composeServices(): Record<string, ComposeService> {
  const compose = readYaml("docker-compose.yml") as { services?: Record<string, ComposeService> };
  assert.ok(compose.services, "docker-compose.yml has a services: section");
  return compose.services;
}

/** A service's environment as a map, whichever of the two forms compose allows it was written in. */
function environmentOf(services: Record<string, ComposeService>, name: string): Map<string, string> {
  const service = services[name];
  assert.ok(service, `docker-compose.yml has a service named ${name}`);
  const entries = Array.isArray(service.environment)
    ? service.environment.map((entry): [string, string] => {
        const [key = "", ...value] = entry.split("=");
        return [key, value.join("=")];
      })
    : Object.entries(service.environment ?? {}).map(([key, value]): [string, string] => [key, String(value ?? "")]);
  return new Map(entries);
}

/** What every Hooklog service should run as; ingest alone while services/ has no started folder yet. */
function hooklogServiceNames(): string[] {
  const discovered = discoverServices();
  return discovered.length > 0 ? discovered : ["ingest"];
}

/** Where a `ports:` entry publishes on the host: its address ("" for every interface) and port. */
function publication(port: NonNullable<ComposeService["ports"]>[number]): { hostIp: string; published: string } {
  if (typeof port !== "string") return { hostIp: port.host_ip ?? "", published: String(port.published ?? "") };
  const parts = port.split(":");
  return parts.length === 3 ? { hostIp: parts[0] ?? "", published: parts[1] ?? "" } : { hostIp: "", published: parts[0] ?? "" };
}

function hostOf(address: string): string {
  return address.includes("://") ? new URL(address).hostname : (address.split(":")[0] ?? "");
}

describe("docker-compose.yml", () => {
  it("runs every folder of services/ that has a start script, as a compose service of the same name", () => {
    const services = composeServices();

    const missing = discoverServices().filter((name) => !(name in services));

    assert.deepEqual(missing, [], `services/ folders with no compose service: ${missing.join(", ")}`);
    assert.ok("ingest" in services, "ingest is always there");
  });

  it("gives every Hooklog service the common settings, pointing at services of the same file", () => {
    const services = composeServices();

    for (const name of hooklogServiceNames()) {
      const environment = environmentOf(services, name);
      for (const variable of commonVariables) {
        assert.ok(environment.get(variable), `${name} sets ${variable}`);
      }
      const brokers = environment.get("KAFKA_BROKERS")?.split(",") ?? [];
      const urls = ["SCHEMA_REGISTRY_URL", "DATABASE_URL", "OTEL_EXPORTER_OTLP_ENDPOINT"].map((variable) => environment.get(variable) ?? "");
      for (const address of [...brokers, ...urls]) {
        assert.ok(hostOf(address) in services, `${name}: ${address} names a service of docker-compose.yml`);
      }
    }
  });

  it("gives ingest its port and, passed through from the host, one webhook secret for each source in hooklog.config.yaml", () => {
    const config = readYaml("hooklog.config.yaml") as { sources?: Record<string, unknown> };
    assert.ok(config.sources, "hooklog.config.yaml has a sources: section");

    const environment = environmentOf(composeServices(), "ingest");

    assert.ok(environment.get("INGEST_PORT"), "ingest sets INGEST_PORT");
    for (const variable of Object.keys(config.sources).map(secretEnvVar)) {
      // Never a literal, nor a default: a secret written here would be committed.
      assert.match(environment.get(variable) ?? "(unset)", new RegExp(`^\\$\\{${variable}(:?\\?[^}]*)?\\}$`), `ingest takes ${variable} from the host`);
    }
  });

  it("has every Hooklog service bind its ports to 0.0.0.0 inside its container, where loopback could not be reached", () => {
    const services = composeServices();

    for (const name of hooklogServiceNames()) {
      const variable = `${name.toUpperCase().replaceAll("-", "_")}_HOST`;
      assert.equal(environmentOf(services, name).get(variable), "0.0.0.0", `${name} sets ${variable}`);
    }
    assert.equal(environmentOf(services, "ingest").get("INGEST_OPS_HOST"), "0.0.0.0", "ingest sets INGEST_OPS_HOST");
  });

  it("publishes ingest's webhook port alone beyond this machine: every other port of a Hooklog service only on 127.0.0.1, if at all", () => {
    const services = composeServices();
    const webhookPort = environmentOf(services, "ingest").get("INGEST_PORT");

    for (const name of hooklogServiceNames()) {
      for (const port of services[name]?.ports ?? []) {
        const { hostIp, published } = publication(port);
        if (name === "ingest" && published === webhookPort) continue;
        assert.equal(hostIp, "127.0.0.1", `${name} publishes ${JSON.stringify(port)} on this machine only`);
      }
    }
  });

  it("links an event to its trace in Jaeger's UI, at the port Jaeger publishes on the host", () => {
    const services = composeServices();
    const jaegerUi = (services.jaeger?.ports ?? []).map((port) => publication(port).published);

    for (const name of hooklogServiceNames()) {
      const template = environmentOf(services, name).get("HOOKLOG_TRACE_URL") ?? "";
      assert.match(template, /^http:\/\/localhost:\d+\/trace\/\{traceId\}$/, `${name}: a Jaeger trace page with {traceId}`);
      assert.ok(
        jaegerUi.includes(new URL(template.replace("{traceId}", "x")).port),
        `${name}: ${template} is on a port Jaeger publishes (${jaegerUi.join(", ")})`,
      );
    }
  });

  it("gives reconciliation its admin tokens from the host, never written in the file", () => {
    const tokens = environmentOf(composeServices(), "reconciliation").get("HOOKLOG_ADMIN_TOKENS") ?? "(unset)";

    assert.match(tokens, /^\$\{HOOKLOG_ADMIN_TOKENS:\?[^}]*\}$/, "required, and with no default");
  });

  it("runs Kafka, the schema registry, Postgres, the OpenTelemetry collector and Jaeger", () => {
    const services = composeServices();

    const missing = infrastructure.filter((name) => !(name in services));

    assert.deepEqual(missing, []);
  });

  it("runs Kafka in KRaft mode, as broker and controller, with no ZooKeeper", () => {
    const services = composeServices();

    const roles =
      environmentOf(services, "kafka")
        .get("KAFKA_PROCESS_ROLES")
        ?.split(",")
        .map((role) => role.trim()) ?? [];
    const zookeepers = Object.entries(services).filter(([name, service]) => /zookeeper/i.test(`${name} ${service.image ?? ""}`));

    assert.deepEqual(roles.sort(), ["broker", "controller"]);
    assert.deepEqual(zookeepers, []);
  });
});
