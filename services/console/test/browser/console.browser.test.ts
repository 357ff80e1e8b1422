// The console as a person uses it, in the machine's Chromium, against the hub running as processes:
// sign in, find an event by its provider id, watch an alert fail into the dead letters while Slack
// is down, redeliver it once Slack is back, and follow the trace link. Each page visited is kept as
// a screenshot (HOOKLOG_TEST_ARTIFACTS, else .hooklog/test-artifacts/browser).
//
// invoice.paid is fulfillment's (a task per paid order); alerts announces the task it caused, and
// the kit records that under the invoice.paid, so both show on its page. The alert that fails is an
// invoice.payment_failed, which alerts posts to Slack itself.
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { randomBytes } from "node:crypto";
import { eventually } from "@hooklog/testkit";
import type { Locator, Page } from "playwright-core";
import { type BrowserSession, openBrowser } from "./browser.ts";
import { type BrowserHub, type StripeEvent, startBrowserHub, stripeEvent } from "./hub.ts";

const id = (prefix: string): string => `${prefix}_${randomBytes(8).toString("hex")}`;

let hub: BrowserHub;
let browser: BrowserSession;
let page: Page;

/** Reloads the page until `check` holds: the console's pages show what was true when they were served. */
async function reloadUntil(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  await eventually(
    what,
    async () => {
      if (await check()) return true;
      await page.reload();
      return false;
    },
    { timeoutMs, intervalMs: 300, context: () => `page ${page.url()}\nservice output:\n${hub.output()}` },
  );
}

/** A locator's text, trimmed; "" when it has none. */
const textOf = async (locator: Locator): Promise<string> => (await locator.textContent())?.trim() ?? "";

const stateOf = (consumer: string): Promise<string | null> =>
  page
    .locator(`[data-testid="consumer-${consumer}"]`)
    .getAttribute("data-state", { timeout: 100 })
    .catch(() => null);

/** Searches the events list for a provider event id (as typed into the box) and opens its page. */
async function findAndOpen(event: StripeEvent, screenshot: string): Promise<string> {
  await page.goto(`${hub.consoleUrl}/events`);
  await page.fill('input[name="q"]', event.id);
  await Promise.all([page.waitForURL(/\/events\?/), page.press('input[name="q"]', "Enter")]);
  const row = page.locator('[data-testid="events"] tbody tr', { hasText: event.id });
  // The catalog has the event once its consumer has read it: until then the search finds nothing.
  await reloadUntil(`${event.id} in the events list`, async () => (await row.count()) === 1);
  assert.match(await textOf(row), new RegExp(event.type.replaceAll(".", "\\.")));
  await browser.screenshot(screenshot);
  await Promise.all([page.waitForURL(/\/events\/[^/?]+$/), row.locator('a[href^="/events/"]').first().click()]);
  assert.equal(await textOf(page.locator('[data-testid="provider-event-id"]')), event.id);
  return page.url();
}

describe("the console in a browser", () => {
  const paidOrder = id("pi");
  const paid = stripeEvent("invoice.paid", { id: id("in"), object: "invoice", payment_intent: paidOrder, amount_paid: 4200, currency: "eur", status: "paid" });
  const failedInvoice = id("in");
  const failed = stripeEvent("invoice.payment_failed", {
    id: failedInvoice,
    object: "invoice",
    amount_due: 1999,
    currency: "eur",
    customer: "cus_NffrFeUfNV2Hib",
    customer_email: "jenny.rosen@example.com",
    attempt_count: 1,
    status: "open",
  });
  let paidPage = "";
  let failedPage = "";

  before(async () => {
    [hub, browser] = await Promise.all([startBrowserHub(), openBrowser()]);
    page = browser.page;
  });

  after(async () => {
    await browser?.close();
    await hub?.stop();
    if (browser) console.log(`screenshots of the pages visited: ${browser.artifacts}`);
  });

  it("signs a person in with an admin token, onto the events list under the token's name", async () => {
    await page.goto(`${hub.consoleUrl}/events`);
    await page.waitForURL(/\/signin/);
    await page.fill("#token", hub.admin.token);
    await browser.screenshot("signin");
    await Promise.all([page.waitForURL(/\/events$/), page.click('button[type="submit"]')]);
    assert.equal(await textOf(page.locator('[data-testid="actor"]')), hub.admin.name);
    await page.locator('[data-testid="events"]').waitFor();
    await browser.screenshot("events");
  });

  it("finds an invoice.paid by its provider event id and shows fulfillment and alerts processed it, with alerts' Slack post as its effect", async () => {
    assert.equal(await hub.deliverStripe(paid), 202);
    paidPage = await findAndOpen(paid, "search-invoice-paid");
    const { fulfillment, alerts } = hub.consumers;
    await reloadUntil(
      "fulfillment and alerts to have processed the invoice.paid",
      async () => (await stateOf(fulfillment)) === "processed" && (await stateOf(alerts)) === "processed",
    );
    assert.equal(await textOf(page.locator(`[data-testid="state-${fulfillment}"]`)), "processed");
    assert.equal(await textOf(page.locator(`[data-testid="state-${alerts}"]`)), "processed");
    // alerts handled the task fulfillment created for the order: the card says so, and its effect is the Slack post.
    assert.match(await textOf(page.locator(`[data-testid="consumer-${alerts}"]`)), /which this event caused/);
    assert.match(await textOf(page.locator(`[data-testid="effects-${alerts}"]`)), /slack/);
    await browser.screenshot("event-invoice-paid");
    assert.ok(hub.slack.requestsMatching((json) => JSON.stringify(json).includes(paidOrder)).length > 0);
  });

  it("shows an alert that Slack keeps refusing as dead-lettered, on its event and on the consumer's page", async () => {
    hub.setSlackFailing(true);
    assert.equal(await hub.deliverStripe(failed), 202);
    failedPage = await findAndOpen(failed, "search-payment-failed");
    const alerts = hub.consumers.alerts;
    await reloadUntil("alerts to have dead-lettered the payment_failed alert", async () => (await stateOf(alerts)) === "dead_lettered", 60_000);
    const card = page.locator(`[data-testid="consumer-${alerts}"]`);
    assert.equal(await textOf(page.locator(`[data-testid="state-${alerts}"]`)), "dead lettered");
    assert.match(await textOf(card), /500/);
    await page.locator(`[data-testid="redeliver-${alerts}"]`).waitFor();
    await browser.screenshot("event-dead-lettered");

    await Promise.all([page.waitForURL(new RegExp(`/consumers/${alerts}$`)), card.locator(`a[href="/consumers/${alerts}"]`).click()]);
    const eventId = decodeURIComponent(failedPage.slice(failedPage.lastIndexOf("/") + 1));
    await page.locator(`a[href="/events/${encodeURIComponent(eventId)}"]`).waitFor({ timeout: 5_000 });
    await browser.screenshot("consumer-dead-letter");
    assert.ok(hub.slack.requestsMatching((json) => JSON.stringify(json).includes(failedInvoice)).every((request) => request.status === 500));
  });

  it("redelivers the dead letter once Slack is back: the alert turns processed, its Slack post recorded as an effect", async () => {
    hub.setSlackFailing(false);
    await page.goto(failedPage);
    const alerts = hub.consumers.alerts;
    // The page reloads itself once the console has answered: wait for that before reloading it ourselves.
    const reloaded = page.waitForEvent("framenavigated");
    await page.click(`[data-testid="redeliver-${alerts}"]`);
    await reloaded;
    await reloadUntil("alerts to have processed the redelivered alert", async () => (await stateOf(alerts)) === "processed", 60_000);
    const effects = page.locator(`[data-testid="effects-${alerts}"]`);
    assert.match(await textOf(effects), /slack/);
    assert.match(await textOf(page.locator('[data-testid="actions"]')), new RegExp(`${hub.admin.name}[\\s\\S]*redeliver`));
    await browser.screenshot("event-redelivered");
    const posted = hub.slack.requestsMatching((json) => JSON.stringify(json).includes(failedInvoice));
    assert.equal(posted.at(-1)?.status, 200);
  });

  it("follows the trace link of the invoice.paid to its trace in Zipkin", async (t) => {
    const zipkin = hub.zipkinUrl;
    if (!zipkin) {
      t.skip("this stack runs without Zipkin (HOOKLOG_ZIPKIN=0)");
      return;
    }
    await page.goto(paidPage);
    const link = page.locator('[data-testid="trace-link"]');
    const traceId = await textOf(link);
    assert.match(traceId, /^[0-9a-f]{32}$/);
    assert.equal(await link.getAttribute("href"), `${zipkin}/zipkin/traces/${traceId}`);
    // Spans reach Zipkin in batches: wait for ingest's, fulfillment's, and alerts' for the task it announced.
    const services = await eventually(
      `the spans of trace ${traceId} in Zipkin`,
      async () => {
        const response = await fetch(`${zipkin}/api/v2/trace/${traceId}`);
        if (!response.ok) return undefined;
        const names = new Set(((await response.json()) as Array<{ localEndpoint?: { serviceName?: string } }>).map((span) => span.localEndpoint?.serviceName));
        const has = (service: string): boolean => [...names].some((name) => name?.includes(service));
        return has("ingest") && has("fulfillment") && has("alerts") ? names : undefined;
      },
      { context: hub.output },
    );
    const [trace] = await Promise.all([browser.context.waitForEvent("page"), link.click()]);
    await trace.waitForLoadState("load");
    await trace
      .getByText(/ingest/i)
      .first()
      .waitFor({ timeout: 15_000 });
    await browser.screenshot("zipkin-trace", trace);
    assert.ok(services.size >= 3, [...services].join(", "));
    await trace.close();
  });
});
