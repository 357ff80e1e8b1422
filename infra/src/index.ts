export { up, down, status, readStackFile } from "./stack.ts";
export type { StackEndpoints, StackUp, ComponentStatus } from "./stack.ts";
export { startKafka, stopKafka, kafkaVersion, kafkaPid, kafkaPids, kafkaNodes, kafkaSettings } from "./kafka.ts";
export type { KafkaNode, KafkaSettings } from "./kafka.ts";
export { startRegistry, stopRegistry, registryPid } from "./registry.ts";
export { startPostgres } from "./postgres.ts";
export { InfraError } from "./errors.ts";
export { repoRoot, stateDir, logFile } from "./paths.ts";
export { step } from "./progress.ts";
