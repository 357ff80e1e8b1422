// A route's configuration: what it accepts, the defaults it fills in, and errors that name the route and the field.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { parseRoutes, RouteConfigError } from "../src/index.ts";

const context = {
  sources: ["stripe", "github"],
  env: { SALES_SLACK_WEBHOOK_URL: "https://hooks.slack.test/services/T/B/secret", ORDERS_HOOK_SECRET: `whsec_${"a".repeat(32)},whsec_${"b".repeat(32)}` },
};

const paidOrders = {
  "paid-orders": {
    from: { sources: ["stripe"], types: ["invoice.paid"] },
    filter: { data: { object: { amount_paid: { $gte: 10000 } } }, $event: { origin: "webhook" } },
    to: [
      { slack: { webhookUrlEnv: "SALES_SLACK_WEBHOOK_URL", text: '"Paid: " & data.object.customer_email' } },
      { email: { to: '"orders@example.com"', subject: '"Receipt " & data.object.number' } },
      { url: { url: "https://example.com/hooks/orders", body: '{ "order": data.object.id }', secretEnv: "ORDERS_HOOK_SECRET" } },
    ],
  },
};

function configError(block: unknown, env: Record<string, string> = context.env): string {
  try {
    parseRoutes(block, { ...context, env });
  } catch (error) {
    assert.ok(error instanceof RouteConfigError, `not a RouteConfigError: ${String(error)}`);
    assert.equal(error.code, "ROUTE_CONFIG_INVALID");
    return error.message;
  }
  assert.fail("the configuration was accepted");
}

describe("routes in hooklog.config.yaml", () => {
  it("reads a route with its three destinations, named by kind, with the defaults filled in", () => {
    const [route, ...others] = parseRoutes(paidOrders, context);
    assert.equal(others.length, 0);
    assert.ok(route);
    assert.equal(route.name, "paid-orders");
    assert.deepEqual(route.sources, ["stripe"]);
    assert.deepEqual(route.types, ["invoice.paid"]);
    assert.deepEqual(
      route.destinations.map((destination) => [destination.kind, destination.name]),
      [
        ["slack", "slack"],
        ["email", "email"],
        ["url", "url"],
      ],
    );
    const url = route.destinations[2];
    assert.ok(url?.kind === "url");
    assert.deepEqual(url.secrets, [`whsec_${"a".repeat(32)}`, `whsec_${"b".repeat(32)}`], "a rotating secret is a list");
    assert.equal(url.timeoutMs, 10_000);
    assert.equal(url.format, "json");
    assert.deepEqual(route.circuit, { failures: 5, probeSeconds: 5, maxProbeSeconds: 300 });
    assert.equal(route.maxAttempts, 8);
    assert.equal(route.payloadFilter.matches({ data: { object: { amount_paid: 10000 } } }), true);
    assert.equal(route.payloadFilter.matches({ data: { object: { amount_paid: 9999 } } }), false);
    assert.equal(route.envelopeFilter.matches({ origin: "webhook" }), true);
    assert.equal(route.envelopeFilter.matches({ origin: "reconciliation" }), false);
  });

  it("renders unsigned, naming the unset variables, when told to omit missing secrets (hooklog routes only shows)", () => {
    const [route] = parseRoutes(paidOrders, { ...context, env: {}, missingSecrets: "omit" });
    assert.deepEqual(route?.unsetSecrets, ["SALES_SLACK_WEBHOOK_URL", "ORDERS_HOOK_SECRET"]);
    const url = route?.destinations[2];
    assert.ok(url?.kind === "url");
    assert.deepEqual(url.secrets, []);
    assert.equal(url.secretEnv, "ORDERS_HOOK_SECRET");
  });

  it("has no routes when the block is absent", () => {
    assert.deepEqual(parseRoutes(undefined, context), []);
  });

  it("numbers destinations of one kind, and refuses two of the same name", () => {
    const [route] = parseRoutes(
      { two: { from: { sources: ["github"] }, to: [{ url: { url: "http://a.test/" } }, { url: { url: "http://b.test/" } }] } },
      context,
    );
    assert.deepEqual(
      route?.destinations.map((destination) => destination.name),
      ["url-1", "url-2"],
    );
    assert.match(
      configError({
        two: {
          from: { sources: ["github"] },
          to: [
            { name: "x", url: { url: "http://a.test/" } },
            { name: "x", url: { url: "http://b.test/" } },
          ],
        },
      }),
      /^routes\.two\.to\[1\]\.name: x names another destination/,
    );
  });

  it("refuses two destinations of two routes that would share one consumer", () => {
    assert.match(
      configError({
        paid: { from: { sources: ["stripe"] }, to: [{ name: "slack-ops", url: { url: "http://a.test/" } }] },
        "paid-slack": { from: { sources: ["stripe"] }, to: [{ name: "ops", url: { url: "http://b.test/" } }] },
      }),
      /^routes\.paid-slack: its destination ops and routes\.paid's slack-ops have one consumer name \(paid-slack-ops\); rename one of them$/,
    );
  });

  it("refuses a signing secret too short to be one, and a secret header holding a line break, without showing either", () => {
    const route = (url: Record<string, unknown>) => ({ r: { from: { sources: ["stripe"] }, to: [{ url: { url: "http://a.test/", ...url } }] } });
    const short = configError(route({ secretEnv: "SHORT_SECRET" }), { SHORT_SECRET: "whsec_a2V5" });
    assert.equal(short, "routes.r.to[0].url.secretEnv: secret 1 is not whsec_ and the base64 of 24 to 64 random bytes (openssl rand -base64 32)");
    const broken = configError(route({ headersEnv: { "X-Api-Key": "API_KEY" } }), { API_KEY: "abc\r\nX-Injected: 1" });
    assert.equal(broken, "routes.r.to[0].url.headersEnv.X-Api-Key: API_KEY holds line breaks or characters a header cannot carry");
  });

  const cases: Array<[string, unknown, RegExp]> = [
    [
      "an unknown source",
      { r: { from: { sources: ["shopify"] }, to: [{ url: { url: "http://a.test/" } }] } },
      /^routes\.r\.from\.sources: no source shopify in sources: \(there are stripe, github\)$/,
    ],
    [
      "a mapping that does not compile",
      { r: { from: { sources: ["stripe"] }, to: [{ slack: { webhookUrlEnv: "SALES_SLACK_WEBHOOK_URL", text: '"a" & ' } }] } },
      /^routes\.r\.to\[0\]\.slack\.text: .* \(at character \d+\) in "\\"a\\" & "$/,
    ],
    [
      "a header mapping that does not compile",
      { r: { from: { sources: ["stripe"] }, to: [{ url: { url: "http://a.test/", headers: { "x-total": "(" } } }] } },
      /^routes\.r\.to\[0\]\.url\.headers\.x-total: /,
    ],
    [
      "a filter with an unknown operator",
      { r: { from: { sources: ["stripe"] }, filter: { amount: { $around: 3 } }, to: [{ url: { url: "http://a.test/" } }] } },
      /^routes\.r\.filter\.amount/,
    ],
    [
      "an envelope filter with an unknown operator",
      { r: { from: { sources: ["stripe"] }, filter: { $event: { type: { $like: "x" } } }, to: [{ url: { url: "http://a.test/" } }] } },
      /^routes\.r\.filter\.\$event\.type/,
    ],
    [
      "a secret variable that is not set",
      { r: { from: { sources: ["stripe"] }, to: [{ url: { url: "http://a.test/", secretEnv: "MISSING_SECRET" } }] } },
      /^routes\.r\.to\[0\]\.url\.secretEnv: the environment variable MISSING_SECRET is not set$/,
    ],
    [
      "a Slack URL variable that is not set",
      { r: { from: { sources: ["stripe"] }, to: [{ slack: { webhookUrlEnv: "NOPE" } }] } },
      /^routes\.r\.to\[0\]\.slack\.webhookUrlEnv: the environment variable NOPE is not set$/,
    ],
    [
      "a URL that is not http",
      { r: { from: { sources: ["stripe"] }, to: [{ url: { url: "ftp://a.test/" } }] } },
      /^routes\.r\.to\[0\]\.url\.url: an http:\/\/ or https:\/\/ URL$/,
    ],
    ["a destination of no known kind", { r: { from: { sources: ["stripe"] }, to: [{ sms: { to: "1" } }] } }, /^routes\.r\.to\[0\]: /],
    ["a route with no destination", { r: { from: { sources: ["stripe"] }, to: [] } }, /^routes\.r\.to: /],
    [
      "a secret written into the file",
      { r: { from: { sources: ["stripe"] }, to: [{ url: { url: "http://a.test/", secret: "whsec_x" } }] } },
      /^routes\.r\.to\[0\]/,
    ],
    [
      "a route name in capitals",
      { Paid: { from: { sources: ["stripe"] }, to: [{ url: { url: "http://a.test/" } }] } },
      /^routes\.Paid: route names are lower-case/,
    ],
    [
      "a probe interval past its maximum",
      { r: { from: { sources: ["stripe"] }, circuit: { probeSeconds: 10, maxProbeSeconds: 5 }, to: [{ url: { url: "http://a.test/" } }] } },
      /^routes\.r\.circuit\.maxProbeSeconds: at least probeSeconds \(10\)$/,
    ],
  ];
  for (const [what, block, message] of cases) {
    it(`refuses ${what}, naming the route and the field`, () => {
      assert.match(configError(block), message);
    });
  }
});
