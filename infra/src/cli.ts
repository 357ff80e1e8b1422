// npm run infra:up | infra:down | infra:status | infra:logs
import { InfraError } from "./errors.ts";
import { tailOf } from "./daemon.ts";
import { down, status, up } from "./stack.ts";

async function main(command: string | undefined): Promise<void> {
  switch (command) {
    case "up": {
      const { endpoints } = await up();
      // For other processes that need the stack (testkit): the endpoints alone, on stdout.
      if (process.argv.includes("--json")) {
        console.log(JSON.stringify(endpoints));
        return;
      }
      console.log(`kafka     ${endpoints.kafkaBrokers} (Apache Kafka ${endpoints.kafkaVersion}, KRaft)`);
      console.log(`registry  ${endpoints.schemaRegistryUrl}`);
      console.log(`postgres  ${endpoints.databaseUrl.replace(/:[^:@/]+@/, ":***@")} (${endpoints.postgres})`);
      console.log(`traces    ${endpoints.zipkinUrl ? `${endpoints.zipkinUrl}/zipkin/ (Zipkin, in memory)` : "none (HOOKLOG_ZIPKIN=0)"}`);
      console.log(`state     ${endpoints.stateDir}`);
      return;
    }
    case "down": {
      const stopped = await down();
      console.log(stopped.length > 0 ? `stopped: ${stopped.join(", ")}` : "nothing of the stack was running");
      return;
    }
    case "status": {
      for (const component of await status()) {
        const state = component.ready ? "ready" : component.pid ? "starting or unhealthy" : "not running";
        console.log(`${component.name.padEnd(20)} ${state.padEnd(22)} pid ${String(component.pid ?? "-").padEnd(8)} ${component.endpoint}`);
      }
      return;
    }
    case "logs": {
      for (const component of await status()) {
        console.log(`==> ${component.log} <==`);
        console.log(tailOf(component.log, 30) || "(empty)");
      }
      return;
    }
    default:
      console.error("usage: node infra/src/cli.ts up [--json]|down|status|logs");
      process.exitCode = 2;
  }
}

try {
  await main(process.argv[2]);
} catch (error) {
  if (error instanceof InfraError) {
    console.error(`hooklog: ${error.message}`);
    console.error(`hooklog: what to do: ${error.hint}`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
