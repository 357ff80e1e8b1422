import { KafkaUnavailableError } from "@hooklog/kafka";
import { CliError } from "./errors.ts";
import type { Hub } from "./hub.ts";

/** Runs a read of the log, turning a start that cannot reach Kafka into the two lines a user can act on. */
export async function readerFailure(hub: Hub, topics: readonly string[], read: () => Promise<void>): Promise<void> {
  try {
    await read();
  } catch (error) {
    if (error instanceof KafkaUnavailableError)
      throw new CliError(
        `cannot read ${topics.join(", ")} at ${hub.kafkaBrokers.join(",")}: ${error.message}`,
        "start the hub (npm start) or point KAFKA_BROKERS at your Kafka; a topic that does not exist yet is made when npm start declares its source",
        { cause: error },
      );
    throw error;
  }
}
