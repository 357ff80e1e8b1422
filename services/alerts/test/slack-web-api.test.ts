import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { startFakeSlackApi, type FakeSlackApi } from "./fake-slack-api.ts";
import { failedInvoice, startAlerts, token, type AlertsHarness } from "./harness.ts";

const TIMEOUT_MS = 2000; // the harness's ALERTS_HTTP_TIMEOUT_MS

// Slack takes no idempotency key. Through the Web API, alerts writes its effect key into each
// message's metadata; an attempt that follows one with no recorded outcome looks in the channel's
// history for that key before it posts.
describe("alerts posts each message to Slack once through the Web API, even when an answer is lost", () => {
  let hub: AlertsHarness;
  let slack: FakeSlackApi;

  before(async () => {
    slack = await startFakeSlackApi({ token: `xoxb-${token()}`, channel: "C0HOOKLOG1" });
    hub = await startAlerts({ slackApi: slack });
  });

  after(async () => {
    await hub?.stop();
    await slack?.close();
  });

  const messagesAbout = (invoiceId: string) => slack.messages().filter((message) => message.text.includes(invoiceId));
  const postsAbout = (invoiceId: string) => slack.requests("chat.postMessage").filter((request) => String(request.args.text).includes(invoiceId));

  it("posts with the bot token to the channel, the effect key in the message's metadata, and looks nothing up first", async () => {
    const invoiceId = `in_${token()}`;
    const event = failedInvoice(invoiceId);
    const historyBefore = slack.requests("conversations.history").length;

    assert.equal(await hub.deliverStripe(event), 202);
    await hub.processed("stripe", event.id);
    await hub.caughtUp();

    const [post, ...more] = postsAbout(invoiceId);
    assert.equal(more.length, 0);
    assert.equal(post?.authorization, `Bearer ${slack.token}`);
    assert.equal(post?.args.channel, slack.channel);
    assert.match(String(post?.args.text), new RegExp(`^Payment failed: invoice ${invoiceId} for 42.00 EUR`));
    const metadata = post?.args.metadata as { event_type?: string; event_payload?: Record<string, unknown> } | undefined;
    assert.equal(metadata?.event_type, "hooklog_alert");
    assert.match(String(metadata?.event_payload?.effect_key), new RegExp(`:${event.id}:slack$`));
    assert.equal(slack.requests("conversations.history").length, historyBefore, "a first attempt has nothing to look for");
  });

  it("does not post again when Slack posted the message but its answer came after the timeout", async () => {
    const invoiceId = `in_${token()}`;
    const event = failedInvoice(invoiceId);
    slack.failNext("chat.postMessage", { delayMs: TIMEOUT_MS + 1000 });
    const historyBefore = slack.requests("conversations.history").length;

    assert.equal(await hub.deliverStripe(event), 202);
    // The fault is for the next post: the newer messages come once it has been taken by this invoice's.
    await hub.eventually("the first post about the invoice", () => postsAbout(invoiceId).length > 0);
    // Newer messages land while the lost answer is retried, so the lookup has to page back to it.
    const newer = Array.from({ length: 4 }, () => failedInvoice(`in_${token()}`));
    for (const other of newer) assert.equal(await hub.deliverStripe(other), 202);
    await hub.processed("stripe", event.id);
    // The newer ones too, so that none of their posts is still on its way when the next test scripts a fault.
    for (const other of newer) await hub.processed("stripe", other.id);
    await hub.caughtUp();

    assert.equal(messagesAbout(invoiceId).length, 1, "one message in the channel");
    assert.equal(postsAbout(invoiceId).length, 1, "no second chat.postMessage");
    const lookups = slack.requests("conversations.history").slice(historyBefore);
    assert.ok(lookups.length > 0, "the retry looked in the channel's history");
    for (const lookup of lookups) {
      assert.equal(lookup.args.channel, slack.channel);
      assert.equal(lookup.args.include_all_metadata, "true");
      const [oldest, latest] = [Number(lookup.args.oldest), Number(lookup.args.latest)];
      assert.ok(oldest < latest && latest - oldest < 60, `only the earlier attempt's window, not the channel's history: ${oldest}..${latest}`);
    }
  });

  it("posts once when Slack refused the first call: the retry looks, finds nothing, and posts", async () => {
    const invoiceId = `in_${token()}`;
    const event = failedInvoice(invoiceId);
    slack.failNext("chat.postMessage", { status: 500 });
    const historyBefore = slack.requests("conversations.history").length;

    assert.equal(await hub.deliverStripe(event), 202);
    await hub.processed("stripe", event.id);
    await hub.caughtUp();

    assert.equal(postsAbout(invoiceId).length, 2, "the refused call and the retry");
    assert.equal(messagesAbout(invoiceId).length, 1);
    assert.ok(slack.requests("conversations.history").length > historyBefore, "the retry looked first");
  });
});
