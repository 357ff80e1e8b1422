// npm run faults -- [options]: parsed strictly, so a mistyped option is an error, not a default.
import { HooklogError } from "@hooklog/core";
import { parseArgs } from "node:util";
import { FAULT_NAMES, faultCatalogue, faultNames } from "./faults.ts";
import type { BrokerCount } from "./own-stack.ts";

export interface FaultsOptions {
  /** New deliveries per second, a steady open-loop rate. */
  rate: number;
  /** How long each fault is held (the Kafka black hole lasts this long). */
  faultSeconds: number;
  /** How long the load goes on after each fault is taken away. */
  recoverySeconds: number;
  /** The faults to inject, in the catalogue's order; all by default. */
  only: readonly string[];
  /** Keep the run's state directory (Kafka and Postgres data, logs) instead of deleting it. */
  keepState: boolean;
  /** One broker (the default), or a three-broker cluster with its own faults (RF 3, min ISR 2). */
  brokers?: BrokerCount;
}

export const DEFAULTS: Required<FaultsOptions> = { rate: 200, faultSeconds: 20, recoverySeconds: 20, only: FAULT_NAMES, keepState: false, brokers: 1 };

export class UsageError extends HooklogError<"USAGE"> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("USAGE", message, { retryable: false, ...options });
  }
}

export function usage(): string {
  return [
    "usage: npm run faults -- [options]",
    "",
    "Starts a stack of its own (Kafka, registry, Postgres on free ports, state under .hooklog/faults/<run>),",
    "the hub's services, and stand-ins for Slack, PagerDuty and GitHub; drives a steady signed load and",
    "injects each fault in turn; ends with a table and exits 1 if anything answered 2xx is missing from",
    "Kafka, an effect was applied twice, or an expected effect is still missing after the catch-up.",
    "",
    "options:",
    `  --rate <n>               deliveries per second (default ${DEFAULTS.rate})`,
    `  --fault-seconds <n>      how long each fault lasts (default ${DEFAULTS.faultSeconds})`,
    `  --recovery-seconds <n>   load after each fault before the next (default ${DEFAULTS.recoverySeconds})`,
    "  --brokers <1|3>          one Kafka broker, or a cluster of three with topics at RF 3 / min ISR 2 (default 1)",
    "  --only <fault,...>       inject only these faults (of the catalogue for --brokers)",
    "  --keep-state             keep the run's state directory (data and logs)",
    "  --help                   this text",
    "",
    "faults with --brokers 1:",
    ...faultCatalogue(1).map((fault) => `  ${fault.name.padEnd(18)} ${fault.description}`),
    "",
    "faults with --brokers 3 (a 2xx there means two of the three brokers have the event):",
    ...faultCatalogue(3).map((fault) => `  ${fault.name.padEnd(18)} ${fault.description}`),
  ].join("\n");
}

function brokerCount(value: string | undefined): BrokerCount {
  if (value === undefined) return DEFAULTS.brokers;
  if (value === "1") return 1;
  if (value === "3") return 3;
  throw new UsageError(`--brokers takes 1 or 3 (one broker, or infra's three-broker cluster), not ${JSON.stringify(value)}`);
}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new UsageError(`--${name} must be a positive number, not ${JSON.stringify(value)}`);
  return parsed;
}

/** The options, or "help"; throws UsageError for an unknown option or a bad value. */
export function parseOptions(argv: readonly string[]): FaultsOptions | "help" {
  const config = {
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      rate: { type: "string" },
      "fault-seconds": { type: "string" },
      "recovery-seconds": { type: "string" },
      brokers: { type: "string" },
      only: { type: "string" },
      "keep-state": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  } as const;
  let parsed: ReturnType<typeof parseArgs<typeof config>>;
  try {
    parsed = parseArgs(config);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) return "help";
  const brokers = brokerCount(values.brokers);
  const catalogue = faultNames(brokers);
  const only =
    values.only === undefined
      ? catalogue
      : values.only
          .split(",")
          .map((name) => name.trim())
          .filter(Boolean);
  const unknown = only.filter((name) => !catalogue.includes(name));
  if (unknown.length > 0 || only.length === 0) {
    const elsewhere = unknown.filter((name) => faultNames(brokers === 1 ? 3 : 1).includes(name));
    const hint =
      elsewhere.length > 0 ? ` (${elsewhere.join(", ")} ${elsewhere.length === 1 ? "is a fault" : "are faults"} of --brokers ${brokers === 1 ? 3 : 1})` : "";
    throw new UsageError(
      `--only takes fault names out of ${catalogue.join(", ")} with --brokers ${brokers}; unknown: ${unknown.join(", ") || "(none given)"}${hint}`,
    );
  }
  return {
    rate: positive("rate", values.rate, DEFAULTS.rate),
    faultSeconds: positive("fault-seconds", values["fault-seconds"], DEFAULTS.faultSeconds),
    recoverySeconds: positive("recovery-seconds", values["recovery-seconds"], DEFAULTS.recoverySeconds),
    // In the catalogue's order whatever order they were given in: each fault starts from a healthy hub.
    only: catalogue.filter((name) => only.includes(name)),
    keepState: values["keep-state"],
    brokers,
  };
}
