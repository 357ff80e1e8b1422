// Slack incoming webhooks (https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks):
// 200 "ok" for a message with text, 400 "no_text" without. Slack takes no idempotency key, so each
// message is counted by the object its text names (alerts writes one line of key facts per message).
import type { EffectTally } from "./effect-tally.ts";
import { effectKey } from "./effect-tally.ts";
import { listen, readJson, type StandIn } from "./stand-in-server.ts";

const SUBJECTS: ReadonlyArray<RegExp> = [/^New fulfillment task (\S+) for order/, /^Payment failed: invoice (\S+) for/, /^Dispute opened: (\S+) for/];

/** The object a message is about (a task, invoice or dispute id), or the whole text for one we do not know. */
export function slackSubject(text: string): string {
  for (const pattern of SUBJECTS) {
    const subject = pattern.exec(text)?.[1];
    if (subject) return subject;
  }
  return `text:${text}`;
}

export function startSlackStandIn(tally: EffectTally): Promise<StandIn> {
  return listen(async (request, response) => {
    const body = request.method === "POST" ? await readJson(request) : undefined;
    const text = typeof body?.text === "string" ? body.text : undefined;
    if (!text) {
      response.writeHead(400, { "content-type": "text/plain" }).end("no_text");
      return;
    }
    tally.record(effectKey.slack(slackSubject(text)));
    response.writeHead(200, { "content-type": "text/plain" }).end("ok");
  });
}
