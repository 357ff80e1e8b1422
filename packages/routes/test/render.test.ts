// What each destination is sent for one event: mapped fields, the event's own bytes without a mapping,
// Standard Webhooks signatures a receiver's library verifies, and mapping failures as values.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { Webhook } from "standardwebhooks";
import { MappingError, parseRoutes, renderDeliveries, routeTakes, type RoutedEvent } from "../src/index.ts";

const SECRET = `whsec_${Buffer.from("a route's secret of some length").toString("base64")}`;
const OLD_SECRET = `whsec_${Buffer.from("the secret before the rotation").toString("base64")}`;
const env = { SALES_SLACK_WEBHOOK_URL: "https://hooks.slack.test/services/T0/B0/sekrit", ORDERS_HOOK_SECRET: `${SECRET},${OLD_SECRET}` };
const context = { sources: ["stripe", "github"], env };

function invoicePaid(amountPaid: number, extra: Record<string, unknown> = {}): RoutedEvent {
  const payload = {
    id: "evt_1",
    type: "invoice.paid",
    data: { object: { id: "in_1", number: "A-7", customer_email: "ada@example.com", amount_paid: amountPaid, ...extra } },
  };
  const payloadBytes = Buffer.from(JSON.stringify(payload));
  return {
    envelope: { id: "01HOOKLOGEVENT", source: "stripe", type: "invoice.paid", providerEventId: "evt_1", origin: "webhook", receivedAt: 1_700_000_000_000 },
    contentType: "application/json; charset=utf-8",
    payloadBytes,
    payload,
  };
}

const [route] = parseRoutes(
  {
    "paid-orders": {
      from: { sources: ["stripe"], types: ["invoice.paid"] },
      filter: { data: { object: { amount_paid: { $gte: 10000 } } } },
      to: [
        { slack: { webhookUrlEnv: "SALES_SLACK_WEBHOOK_URL", text: '"Paid: " & data.object.customer_email & " " & $string(data.object.amount_paid / 100)' } },
        { email: { to: '"orders@example.com"', subject: '"Receipt " & data.object.number & " (" & $event.type & ")"', text: '"Thanks"' } },
        {
          url: {
            url: "https://example.com/hooks/orders",
            body: '{ "order": data.object.id, "total": data.object.amount_paid, "hub": $event.id }',
            headers: { "X-Order": "data.object.id" },
            secretEnv: "ORDERS_HOOK_SECRET",
          },
        },
      ],
    },
  },
  context,
);
const plain = parseRoutes(
  {
    plain: {
      from: { sources: ["stripe"] },
      to: [
        { url: { url: "http://127.0.0.1:1/raw" } },
        { slack: { webhookUrlEnv: "SALES_SLACK_WEBHOOK_URL" } },
        { email: { to: "data.object.customer_email" } },
      ],
    },
  },
  context,
)[0];
const sms = parseRoutes(
  {
    sms: {
      from: { sources: ["stripe"] },
      to: [
        {
          url: {
            url: "https://api.twilio.test/Messages.json",
            format: "form",
            body: '{ "To": "+15550100", "Body": "Paid " & data.object.number, "Missing": data.nothing }',
            headersEnv: { Authorization: "TWILIO_BASIC_AUTH" },
          },
        },
      ],
    },
  },
  { ...context, env: { ...env, TWILIO_BASIC_AUTH: "Basic QUN4eHg6dG9rZW4=" } },
)[0];

describe("a route's deliveries", () => {
  assert.ok(route && plain && sms);

  it("takes an event of its sources, types and filter, and no other", () => {
    assert.equal(routeTakes(route, invoicePaid(12_345)), true);
    assert.equal(routeTakes(route, invoicePaid(9_999)), false, "the filter");
    assert.equal(routeTakes(route, { ...invoicePaid(12_345), envelope: { ...invoicePaid(12_345).envelope, type: "invoice.created" } }), false, "the types");
    assert.equal(routeTakes(route, { ...invoicePaid(12_345), envelope: { ...invoicePaid(12_345).envelope, source: "github" } }), false, "the sources");
  });

  it("renders each destination's fields from its mappings, with the envelope as $event", async () => {
    const now = new Date(1_700_000_100_000);
    const [slack, email, url] = await renderDeliveries(route, invoicePaid(12_345), now);
    assert.ok(slack && !(slack instanceof MappingError) && slack.kind === "http");
    assert.deepEqual(
      { ...slack, body: slack.body.toString() },
      {
        kind: "http",
        destination: "slack",
        url: env.SALES_SLACK_WEBHOOK_URL,
        shownUrl: "https://hooks.slack.test/…",
        headers: { "content-type": "application/json" },
        secretHeaderNames: [],
        redirectIsDelivery: false,
        body: JSON.stringify({ text: "Paid: ada@example.com 123.45" }),
        timeoutMs: 10_000,
      },
    );
    assert.deepEqual(email, {
      kind: "email",
      destination: "email",
      from: "hooklog@localhost",
      to: "orders@example.com",
      subject: "Receipt A-7 (invoice.paid)",
      text: "Thanks",
    });
    assert.ok(url && !(url instanceof MappingError) && url.kind === "http");
    assert.equal(url.body.toString(), JSON.stringify({ order: "in_1", total: 12_345, hub: "01HOOKLOGEVENT" }));
    assert.equal(url.headers["x-order"], "in_1");
    assert.equal(url.headers["content-type"], "application/json");
    assert.equal(url.headers["webhook-id"], "msg_paid-orders_url_01HOOKLOGEVENT");
    assert.equal(url.headers["webhook-timestamp"], "1700000100");
  });

  it("signs a url delivery so the standardwebhooks library verifies it with either secret of a rotation", async () => {
    const [, , url] = await renderDeliveries(route, invoicePaid(12_345));
    assert.ok(url && !(url instanceof MappingError) && url.kind === "http");
    assert.equal(url.headers["webhook-signature"]?.split(" ").length, 2);
    for (const secret of [SECRET, OLD_SECRET]) {
      assert.deepEqual(new Webhook(secret).verify(url.body, url.headers), { order: "in_1", total: 12_345, hub: "01HOOKLOGEVENT" });
    }
    assert.throws(
      () => new Webhook(`whsec_${Buffer.from("another secret entirely").toString("base64")}`).verify(url.body, url.headers),
      /No matching signature/,
    );
  });

  it("gives the event byte for byte with its content type, a one-line summary to Slack, and the payload to a mail, without mappings", async () => {
    const event = invoicePaid(500);
    const [url, slack, email] = await renderDeliveries(plain, event);
    assert.ok(url && !(url instanceof MappingError) && url.kind === "http");
    assert.ok(url.body.equals(event.payloadBytes));
    assert.equal(url.headers["content-type"], "application/json; charset=utf-8");
    assert.equal(url.headers["webhook-signature"], undefined, "no secret, no signature");
    assert.ok(slack && !(slack instanceof MappingError) && slack.kind === "http");
    assert.equal(slack.body.toString(), JSON.stringify({ text: "stripe invoice.paid evt_1" }));
    assert.deepEqual(email && !(email instanceof MappingError) && email.kind === "email" ? [email.to, email.subject, email.text] : email, [
      "ada@example.com",
      "stripe invoice.paid evt_1",
      JSON.stringify(event.payload, null, 2),
    ]);
  });

  it("form-encodes a body for a form destination, leaving out fields that mapped to nothing", async () => {
    const [twilio] = await renderDeliveries(sms, invoicePaid(1));
    assert.ok(twilio && !(twilio instanceof MappingError) && twilio.kind === "http");
    assert.equal(twilio.headers["content-type"], "application/x-www-form-urlencoded");
    assert.equal(twilio.body.toString(), "To=%2B15550100&Body=Paid+A-7");
    assert.equal(twilio.headers.authorization, "Basic QUN4eHg6dG9rZW4=", "a secret header from the environment");
    assert.deepEqual(twilio.secretHeaderNames, ["authorization"]);
  });

  it("answers a mapping that yields nothing with a MappingError for that destination alone, naming the field and the expression", async () => {
    const event = invoicePaid(12_345);
    const { customer_email: _dropped, ...withoutEmail } = event.payload as { data: { object: Record<string, unknown> } } & Record<string, unknown>;
    void _dropped;
    const noRecipient = { ...event, payload: { ...withoutEmail, data: { object: { id: "in_1", number: "A-7" } } } };
    const [url, slack, email] = await renderDeliveries(plain, noRecipient);
    assert.ok(url && !(url instanceof MappingError));
    assert.ok(slack && !(slack instanceof MappingError));
    assert.ok(email instanceof MappingError);
    assert.equal(email.code, "ROUTE_MAPPING_FAILED");
    assert.equal(email.message, 'routes.plain.to[2].email.to: "data.object.customer_email" gave nothing for this event (a field it reads is missing)');
  });

  it("stops a mapping that recurses without end, as a MappingError", async () => {
    const [looping] = parseRoutes({ loop: { from: { sources: ["stripe"] }, to: [{ email: { to: "($f := function($n) { $f($n + 1) }; $f(0))" } }] } }, context);
    assert.ok(looping);
    const [email] = await renderDeliveries(looping, invoicePaid(1));
    assert.ok(email instanceof MappingError, String(email));
    assert.match(email.message, /^routes\.loop\.to\[0\]\.email\.to: (deeper than 200 levels|ran past 250 ms) in /);
  });

  it("refuses a header value with a line break as a MappingError, without echoing it", async () => {
    const [injecting] = parseRoutes(
      { inject: { from: { sources: ["stripe"] }, to: [{ url: { url: "http://a.test/", headers: { "X-Note": '"a\\r\\nX-Injected: 1"' } } }] } },
      context,
    );
    assert.ok(injecting);
    const [delivery] = await renderDeliveries(injecting, invoicePaid(1));
    assert.ok(delivery instanceof MappingError, String(delivery));
    assert.equal(
      delivery.message,
      "routes.inject.to[0].url.headers.X-Note: the value is not a valid header value (line breaks, or characters outside Latin-1)",
    );
  });

  it("runs a mapping's regexes in linear time, so a pattern that backtracks in JavaScript finishes", async () => {
    const [matching] = parseRoutes(
      {
        regex: {
          from: { sources: ["stripe"] },
          to: [
            {
              email: {
                to: '"ada@example.com"',
                subject: '$string($contains(data.object.number, /^(a+)+$/)) & " " & $replace(data.object.id, /in_(\\d+)/, "invoice $1")',
              },
            },
          ],
        },
      },
      context,
    );
    assert.ok(matching);
    const event = invoicePaid(1, { number: `${"a".repeat(40_000)}!` });
    const [email] = await renderDeliveries(matching, event);
    assert.ok(email && !(email instanceof MappingError) && email.kind === "email", String(email));
    assert.equal(email.subject, "false invoice 1");
  });

  it("refuses an email recipient that is not an address or a list of them", async () => {
    const [odd] = parseRoutes({ odd: { from: { sources: ["stripe"] }, to: [{ email: { to: "data.object" } }] } }, context);
    assert.ok(odd);
    const [email] = await renderDeliveries(odd, invoicePaid(1));
    assert.ok(email instanceof MappingError);
    assert.match(email.message, /^routes\.odd\.to\[0\]\.email\.to: "data\.object" gave \{.*\}, not an address or a list of addresses$/);
  });
});
