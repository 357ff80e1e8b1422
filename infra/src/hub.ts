// `npm start`: the stack up, the hub prepared, every service started; Ctrl-C stops it all in order.
import { loadSources } from "@hooklog/sources";
import { developmentAdminToken } from "./admin-token.ts";
import { sleep } from "./daemon.ts";
import { developmentSecrets } from "./dev-secrets.ts";
import { startDevSink } from "./dev-sink.ts";
import { InfraError } from "./errors.ts";
import { logFile } from "./paths.ts";
import { prepareHub } from "./prepare.ts";
import { step } from "./progress.ts";
import { discoverServices, startService, stopService, type RunningService } from "./services.ts";
import { down, up, type StackEndpoints, type StackUp } from "./stack.ts";
import { zipkinSpansEndpoint, zipkinTraceUrlTemplate } from "./zipkin.ts";

let stack: StackUp | undefined;
let services: RunningService[] = [];
let stopping = false;

async function stopAll(exitCode: number): Promise<void> {
  // Ctrl-C reaches us more than once (the terminal's process group, and npm forwarding it): the
  // first one stops everything in order, the others must not cut that short.
  if (stopping) return;
  stopping = true;
  step("stopping services...");
  await Promise.all(services.map((service) => stopService(service)));
  if (stack && stack.started.length > 0) {
    const stopped = await down(stack.started);
    step(`stopped ${stopped.join(", ")}; data kept in ${stack.endpoints.stateDir}`);
  }
  process.exit(exitCode);
}

async function main(): Promise<void> {
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void stopAll(0));
  stack = await up();
  await prepareHub(stack.endpoints);

  const sources = loadSources();
  const secrets = developmentSecrets(sources);
  for (const [variable, secret] of Object.entries(secrets)) {
    step(`development secret ${variable}=${secret} (generated once, kept in .hooklog/dev-secrets.json; set ${variable} to use your own)`);
  }

  const adminTokens = adminTokensForServices();

  // Credentials the services need that this machine does not have go to a local stand-in.
  const sink = await startDevSink(Number(process.env.HOOKLOG_DEV_SINK_PORT ?? 3199));
  const standIns = Object.fromEntries(Object.entries(sink.env).filter(([name]) => !process.env[name]));
  if (Object.keys(standIns).length > 0)
    step(`no ${Object.keys(standIns).join(", ")} set: Slack, PagerDuty and GitHub calls go to a local stand-in that prints them`);
  const env: NodeJS.ProcessEnv = {
    ...standIns,
    ...process.env,
    ...secrets,
    HOOKLOG_ADMIN_TOKENS: adminTokens.value,
    KAFKA_BROKERS: stack.endpoints.kafkaBrokers,
    SCHEMA_REGISTRY_URL: stack.endpoints.schemaRegistryUrl,
    DATABASE_URL: stack.endpoints.databaseUrl,
    ...tracingForServices(stack.endpoints),
  };
  services = discoverServices().map((name) => startService(name, env));
  for (const service of services) {
    void service.exited.then((code) => {
      if (stopping) return;
      step(`service ${service.name} exited (code ${code}); stopping the hub`);
      void stopAll(1);
    });
  }

  const ingestPort = process.env.INGEST_PORT ?? "3000";
  // /readyz is on ingest's operations port, not the public one.
  const ingestOpsPort = process.env.INGEST_OPS_PORT ?? "9464";
  if (services.some((service) => service.name === "ingest")) await ingestReady(`http://127.0.0.1:${ingestOpsPort}`);
  if (stopping) return;
  console.log("");
  console.log("Hooklog is running. Ctrl-C stops it.");
  console.log(`  webhooks   ${sources.map((source) => `http://127.0.0.1:${ingestPort}/webhooks/${source.name}`).join("\n             ")}`);
  console.log(`  operations http://127.0.0.1:${ingestOpsPort}/metrics, /readyz (ingest; 127.0.0.1 only)`);
  console.log(`  kafka      ${stack.endpoints.kafkaBrokers} (Apache Kafka ${stack.endpoints.kafkaVersion}, KRaft)`);
  console.log(`  registry   ${stack.endpoints.schemaRegistryUrl}`);
  console.log(`  postgres   ${stack.endpoints.databaseUrl.replace(/:[^:@/]+@/, ":***@")} (${stack.endpoints.postgres})`);
  console.log(`  traces     ${tracesLine(stack.endpoints)}`);
  if (services.some((service) => service.name === "console"))
    console.log(`  console    http://127.0.0.1:${process.env.CONSOLE_PORT ?? "3200"}/ (sign in with ${adminTokens.signIn})`);
  console.log(`  services   ${services.map((service) => service.name).join(", ") || "(none yet)"}`);
  console.log(`  admin      Authorization: Bearer ${adminTokens.where} (POST /reconcile on port ${process.env.RECONCILIATION_PORT ?? "3104"})`);
  console.log(`  state      ${stack.endpoints.stateDir}`);
  console.log(`  logs       ${[logFile("kafka"), logFile("registry"), ...(stack.endpoints.zipkinUrl ? [logFile("zipkin")] : [])].join(", ")}`);
}

/**
 * Spans go to the local Zipkin unless the user chose a backend (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_ZIPKIN_ENDPOINT); the console links an event to its trace through HOOKLOG_TRACE_URL,
 * which defaults to Zipkin's page of the trace only when the spans go there.
 */
function tracingForServices(endpoints: StackEndpoints): NodeJS.ProcessEnv {
  const chosen = chosenTraceBackend();
  if (chosen || !endpoints.zipkinUrl) {
    if (chosen && !process.env.HOOKLOG_TRACE_URL)
      step(`spans go to ${chosen}; set HOOKLOG_TRACE_URL (a URL with {traceId}) for the console to link events to traces`);
    return {};
  }
  return {
    OTEL_EXPORTER_ZIPKIN_ENDPOINT: zipkinSpansEndpoint(endpoints.zipkinUrl),
    HOOKLOG_TRACE_URL: process.env.HOOKLOG_TRACE_URL || zipkinTraceUrlTemplate(endpoints.zipkinUrl),
  };
}

/** The span endpoint the user set, if any: OTLP's wins, as in @hooklog/telemetry. */
function chosenTraceBackend(): string | undefined {
  return process.env.OTEL_EXPORTER_OTLP_ENDPOINT || process.env.OTEL_EXPORTER_ZIPKIN_ENDPOINT || undefined;
}

function tracesLine(endpoints: StackEndpoints): string {
  const chosen = chosenTraceBackend();
  if (chosen) return `spans go to ${chosen} (set by you)`;
  return endpoints.zipkinUrl ? `${endpoints.zipkinUrl}/zipkin/` : "none (HOOKLOG_ZIPKIN=0; set OTEL_EXPORTER_OTLP_ENDPOINT to export spans)";
}

/**
 * The admin tokens every service gets: the user's HOOKLOG_ADMIN_TOKENS, else a development token kept
 * in the state directory, printed only the time it is made (it is a credential, not a log line).
 */
function adminTokensForServices(): { value: string; where: string; signIn: string } {
  const configured = process.env.HOOKLOG_ADMIN_TOKENS;
  if (configured) return { value: configured, where: "<a token of HOOKLOG_ADMIN_TOKENS>", signIn: "a token of HOOKLOG_ADMIN_TOKENS" };
  const development = developmentAdminToken();
  if (development.generated)
    step(`development admin token ${development.token} (generated once, kept in ${development.file}; set HOOKLOG_ADMIN_TOKENS to use your own)`);
  else step(`development admin token kept in ${development.file} (set HOOKLOG_ADMIN_TOKENS to use your own)`);
  // The console's sign-in asks for it: the development token (loopback only, this machine's) is shown there.
  return { value: development.token, where: `$(cat ${development.file})`, signIn: `the development token ${development.token}` };
}

/** "Running" means a provider's POST can be answered: waits until ingest's /readyz says so. */
async function ingestReady(url: string): Promise<void> {
  step("waiting for ingest to answer /readyz...");
  const started = performance.now();
  const deadline = started + 120_000;
  let last = "no answer yet";
  while (performance.now() < deadline && !stopping) {
    const answer = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) }).then(
      async (response) => (response.ok ? undefined : `${response.status} ${await response.text()}`),
      (error: unknown) => `no answer (${error instanceof Error ? error.message : String(error)})`,
    );
    if (answer === undefined) {
      step(`ingest ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return;
    }
    last = answer;
    await sleep(500);
  }
  if (stopping) return;
  throw new InfraError(
    "INGEST_NOT_READY",
    `ingest did not become ready at ${url}/readyz within 120 s; its last answer: ${last}.`,
    "Read the [ingest] lines above; INGEST_PORT or INGEST_OPS_PORT may be taken by another program.",
  );
}

try {
  await main();
} catch (error) {
  if (error instanceof InfraError) {
    console.error(`hooklog: ${error.message}`);
    console.error(`hooklog: what to do: ${error.hint}`);
  } else {
    console.error(error);
  }
  await stopAll(1);
}
