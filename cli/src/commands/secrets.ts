// `hooklog secrets rotate`: a new secret in the provider's form, and the order of steps that
// rotates it without refusing a single delivery (ingest accepts every secret listed, newest first).
import type { Command } from "commander";
import { contextOf } from "../program.ts";

const CURRENT_PLACEHOLDER = "<current secret>";

export function registerSecrets(program: Command): void {
  const secrets = program.command("secrets").summary("webhook secrets of the sources").description("Webhook secrets of the sources.");
  secrets
    .command("rotate")
    .description(
      "Prints a new secret for the source, in its provider's form, the environment line that holds it beside the current one, and the steps that rotate it without refusing a delivery.",
    )
    .argument("<source>", "a source of hooklog.config.yaml")
    .action(async (name: string, _options: object, command: Command) => {
      const { hub, out } = await contextOf(command);
      // Loaded here, not at the top: --help needs none of the providers' libraries.
      const { providerModule } = await import("@hooklog/providers");
      const source = hub().source(name);
      const secret = providerModule(source.provider).newSecret();
      // The secrets in use now: the environment's, else the development ones npm start keeps. Run
      // away from ingest's environment, they are unknown: the line then says where they go.
      const current = hub().currentSecrets(source);
      const both = [secret, ...(current.length > 0 ? current : [CURRENT_PLACEHOLDER])].join(",");
      if (current.length === 0)
        out.warn(
          `no current secret of ${source.name} is known here (${source.secretEnvVar} is unset and npm start made none): replace ${CURRENT_PLACEHOLDER} with the secret ingest uses now, or ingest refuses every delivery until the sender switches`,
        );
      const steps = [
        `1. Set ${source.secretEnvVar}=${both} on every ingest instance and restart them one at a time: each accepts both secrets.`,
        `2. Give the new secret to the sender (${source.provider === "stripe" ? "Stripe: roll the endpoint's signing secret in the Dashboard" : source.provider === "github" ? "GitHub: the webhook's Secret in its settings" : "the sender's webhook settings"}). Deliveries signed with either secret are accepted meanwhile.`,
        `3. Once the sender signs with the new one only (hooklog tail --source ${source.name} --json shows verification.secretIndex 0 on every new event, none 1), set ${source.secretEnvVar}=${secret} and restart again.`,
      ];
      out.result(
        [
          `new secret for ${source.name} (${source.provider}):`,
          `  ${secret}`,
          "environment line while rotating (new first):",
          `  ${source.secretEnvVar}=${both}`,
          "steps:",
          ...steps.map((step) => `  ${step}`),
        ].join("\n"),
        {
          source: source.name,
          provider: source.provider,
          variable: source.secretEnvVar,
          secret,
          environmentLine: `${source.secretEnvVar}=${both}`,
          currentKnown: current.length > 0,
          steps,
        },
      );
    });
}
