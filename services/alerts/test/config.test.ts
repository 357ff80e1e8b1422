import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import type { ConfigError } from "@hooklog/config";
import { loadAlertsConfig, slackTarget } from "../src/config.ts";

const base = { PAGERDUTY_ROUTING_KEY: "R0123456789abcdef0123456789abcde" };
const target = (env: Record<string, string>) => slackTarget(loadAlertsConfig({ ...base, ...env }));

describe("where alerts posts to Slack", () => {
  it("uses the Web API when a bot token and a channel id are set, even beside a webhook URL", () => {
    assert.deepEqual(
      target({ SLACK_BOT_TOKEN: "xoxb-1-2-abc", SLACK_CHANNEL_ID: "C0123456789", SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T/B/x" }),
      {
        kind: "web-api",
        apiUrl: "https://slack.com/api",
        token: "xoxb-1-2-abc",
        channel: "C0123456789",
      },
    );
  });

  it("uses the incoming webhook when only its URL is set", () => {
    assert.deepEqual(target({ SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T/B/x" }), {
      kind: "incoming-webhook",
      webhookUrl: "https://hooks.slack.com/services/T/B/x",
    });
  });

  it("names what is missing: a token without a channel, a channel without a token, or nothing at all", () => {
    assert.throws(
      () => target({ SLACK_BOT_TOKEN: "xoxb-1-2-abc" }),
      (error: ConfigError) => error.problems[0] === "SLACK_CHANNEL_ID: required with SLACK_BOT_TOKEN",
    );
    assert.throws(
      () => target({ SLACK_CHANNEL_ID: "C0123456789" }),
      (error: ConfigError) => error.problems[0] === "SLACK_BOT_TOKEN: required with SLACK_CHANNEL_ID",
    );
    assert.throws(
      () => target({}),
      (error: ConfigError) => /^SLACK_WEBHOOK_URL: required, unless/.test(error.problems[0] ?? ""),
    );
  });

  it("refuses a channel name where Slack wants its id, without echoing a bad token", () => {
    assert.throws(() => loadAlertsConfig({ ...base, SLACK_BOT_TOKEN: "xoxb-1", SLACK_CHANNEL_ID: "#alerts" }), /SLACK_CHANNEL_ID: a channel id/);
    assert.throws(
      () => loadAlertsConfig({ ...base, SLACK_BOT_TOKEN: "not-a-token-s3cr3t", SLACK_CHANNEL_ID: "C0123456789" }),
      (error: Error) => /SLACK_BOT_TOKEN/.test(error.message) && !error.message.includes("s3cr3t"),
    );
  });
});
